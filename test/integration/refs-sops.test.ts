// ref+sops:// decrypted by this project's own engine: a YAML and a JSON file encrypted for an age key, the whole
// plaintext without a fragment, a key path with one, `format` and `key_type=base64`, and one error per class.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptBytes } from '../../src/engine.js';
import { evalYaml, getRef, type ResolveOptions } from '../../src/refs/resolve.js';
import { HS_VECTORS } from '../helpers/paths.js';
import { refFailure } from '../helpers/reffail.js';

const AGE_KEY = join(HS_VECTORS, 'tests/assets/age/key.txt');

describe('refs: sops provider (own engine)', function () {
  this.timeout(60_000);
  let dir: string;
  let opts: ResolveOptions;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hs-refs-sops-'));
    const recipient = /public key: (age1\w+)/.exec(readFileSync(AGE_KEY, 'utf8'))![1]!;
    const env = { HOME: dir };
    const enc = async (name: string, text: string) =>
      writeFileSync(join(dir, name), await encryptBytes(Buffer.from(text), join(dir, name), { env, cwd: dir, flags: { keys: { age: [recipient] } } }));
    await enc('db.yaml', 'db:\n  password: sops-pw\n  port: 5432\n');
    await enc('app.json', '{"api": {"token": "json-token"}}');
    opts = { env: { HOME: dir, SOPS_AGE_KEY_FILE: AGE_KEY }, baseDir: dir, file: 'values.yaml' };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('selects in a decrypted YAML or JSON file with a fragment, and types are kept', async () => {
    assert.equal(await evalYaml('pw: ref+sops://db.yaml#/db/password\nport: ref+sops://db.yaml#/db/port\ntok: ref+sops://app.json#/api/token\n', opts), 'port: 5432\npw: sops-pw\ntok: json-token\n');
  });

  it('gives the whole plaintext without a fragment, in the file\'s format or in `format`', async () => {
    assert.equal(await getRef('ref+sops://db.yaml', opts), 'db:\n    password: sops-pw\n    port: 5432\n');
    assert.equal(await getRef('ref+sops://app.json', opts), '{\n\t"api": {\n\t\t"token": "json-token"\n\t}\n}\n');
    assert.equal(await getRef('ref+sops://app.json?format=yaml', opts), 'api:\n    token: json-token\n');
  });

  it('decrypts a file given inline as URL-safe base64 (key_type=base64)', async () => {
    const inline = readFileSync(join(dir, 'db.yaml')).toString('base64url');
    assert.equal(await getRef(`ref+sops://${inline}?key_type=base64&format=yaml#/db/password`, opts), 'sops-pw');
  });

  describe('errors, one per class', () => {
    const fails = refFailure(/sops-pw|json-token/);
    it('a missing file', () => fails('ref+sops://nope.yaml#/a', opts, 'not-found', 'values.yaml: ref+sops://nope.yaml#/a: no such file nope.yaml'));
    it('a missing key', () => fails('ref+sops://db.yaml#/db/nope', opts, 'not-found', 'values.yaml: ref+sops://db.yaml#/db/nope: no value at #/db/nope'));
    it('no key that opens the file (denied)', () =>
      fails('ref+sops://db.yaml#/db/password', { ...opts, env: { HOME: dir, SOPS_AGE_KEY_FILE: join(dir, 'no-key.txt') } }, 'denied', 'values.yaml: ref+sops://db.yaml#/db/password: cannot decrypt db.yaml: failed to get the data key: age age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju: failed to load age identities: failed to open SOPS_AGE_KEY_FILE file: ENOENT'));
    it('a file that is not encrypted', () => {
      writeFileSync(join(dir, 'plain.yaml'), 'a: b\n');
      return fails('ref+sops://plain.yaml#/a', opts, 'failed', 'values.yaml: ref+sops://plain.yaml#/a: cannot decrypt plain.yaml: sops metadata not found: the file is not encrypted');
    });
    it('a malformed reference', () => fails('ref+sops://db.yaml?key_type=url', opts, 'malformed', 'values.yaml: ref+sops://db.yaml?key_type=***: unsupported key type "url" (base64 or filepath)'));
  });
});
