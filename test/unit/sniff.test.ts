// One content sniffer (src/sops/store.ts storeOfContent): the helm wrapper, decrypt and the git driver read an
// encrypted file whose name says nothing the same way, an encrypted empty JSON object included.
import assert from 'node:assert/strict';
import { generateIdentity, identityToRecipient } from 'age-encryption';
import { storeForContent } from '../../src/cli/ops/git.js';
import { decryptBytes, encryptBytes, isSopsEncrypted } from '../../src/engine.js';
import { clearAgeIdentityCache } from '../../src/keys/age.js';
import { storeOfContent } from '../../src/sops/store.js';

describe('one content sniffer', () => {
  let env: NodeJS.ProcessEnv;
  const enc = async (plain: string, name: string) =>
    Buffer.from(await encryptBytes(Buffer.from(plain), name, { env, cwd: '/', flags: { keys: { age: [String(env.RECIPIENT)] } } }));

  before(async () => {
    const id = await generateIdentity();
    env = { SOPS_AGE_KEY: id, RECIPIENT: await identityToRecipient(id), HOME: '/nonexistent' };
    clearAgeIdentityCache();
  });

  it('an encrypted empty JSON object is JSON to every reader, and decrypts back to {}', async () => {
    const bytes = await enc('{}', 'empty.json');
    assert.match(bytes.toString(), /^\{\s*"sops": \{/);
    assert.equal(isSopsEncrypted(bytes), true);
    assert.equal(storeOfContent(bytes), 'json');
    assert.equal(storeForContent('blob-without-extension', bytes), 'json');
    const plain = await decryptBytes(bytes, 'values.gotpl', { env, inputType: storeOfContent(bytes) });
    assert.equal(Buffer.from(plain).toString().trim(), '{}');
  });

  it('the binary wrapper, YAML, dotenv and INI are told apart by content', async () => {
    const cases: Array<[string, string, string]> = [
      ['raw bytes', 'blob.bin', 'binary'],
      ['a: 1\n', 'x.yaml', 'yaml'],
      ['A=1\n', 'x.env', 'dotenv'],
      ['[s]\na = 1\n', 'x.ini', 'ini'],
      ['{"a": 1}', 'x.json', 'json'],
    ];
    for (const [plain, name, store] of cases) {
      const bytes = await enc(plain, name);
      assert.equal(storeOfContent(bytes), store, name);
      assert.equal(storeForContent('noext', bytes), store, name);
      assert.equal(isSopsEncrypted(bytes), true, name);
    }
    assert.equal(storeOfContent(Buffer.from('plain: text\n')), undefined);
    assert.equal(storeForContent('noext', Buffer.from('plain: text\n')), 'yaml');
  });
});
