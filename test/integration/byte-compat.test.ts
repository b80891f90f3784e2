// The writer is byte-compatible with sops, proved without sops: re-encrypting each vector's decrypted tree with
// the file's own data key and each value's own IV reproduces every ENC[...] string and the MAC exactly.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { openEncrypted } from '../../src/engine.js';
import { splitMetadata } from '../../src/sops/metadata.js';
import { metadataKeyOf } from '../../src/sops/store.js';
import { encryptMac } from '../../src/sops/mac.js';
import { encryptBranches } from '../../src/sops/walk.js';
import { parseEnc } from '../../src/sops/cipher.js';
import { Comment, Mapping, type Value } from '../../src/sops/tree.js';
import { testEnv } from '../helpers/env.js';
import { requireTool } from '../helpers/tools.js';
import { ENCRYPTED_VECTORS } from '../helpers/vectors.js';

/** Every ENC string of a tree (values and comments) in document order. */
function encStrings(v: Value | Mapping[], out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) encStrings(x as Value, out);
  else if (v instanceof Mapping) {
    for (const it of v.items) {
      if (it.key instanceof Comment) {
        if (it.key.text.startsWith('ENC[')) out.push(it.key.text);
      } else encStrings(it.value, out);
    }
  } else if (v instanceof Comment) {
    if (v.text.startsWith('ENC[')) out.push(v.text);
  } else if (typeof v === 'string' && v.startsWith('ENC[')) out.push(v);
  return out;
}

describe('byte-compatibility of the writer with sops, on every vector', function () {
  before(function () {
    requireTool(this, 'gpg');
  });

  for (const v of ENCRYPTED_VECTORS) {
    const name = v.file.slice(v.file.indexOf('vectors/') + 8);
    it(`re-encrypting ${name} reproduces its ENC values and MAC`, async function () {
      const bytes = readFileSync(v.file);
      const opened = await openEncrypted(bytes, v.file, { env: testEnv(), inputType: v.inputType });
      // The original ciphertexts, read again from the file.
      const original = opened.store.loadEncrypted(bytes);
      splitMetadata(original, metadataKeyOf(opened.store.name));
      const want = encStrings(original);
      const macHex = encryptBranches(opened.branches, {
        dataKey: opened.dataKey,
        rule: opened.store.name === 'binary' ? null : opened.metadata.rule,
        macOnlyEncrypted: opened.metadata.macOnlyEncrypted,
        stash: opened.stash,
      });
      const got = encStrings(opened.branches);
      assert.ok(want.length > 0);
      // Comments sops wrote in clear (comments_unencrypted_comments.yaml) get encrypted now: compare values only there.
      if (name.includes('comments_unencrypted')) {
        const values = got.filter((s) => !s.endsWith('type:comment]'));
        assert.deepEqual(values, want);
      } else {
        assert.deepEqual(got, want);
      }
      const macIv = Buffer.from(parseEnc(opened.metadata.mac)!.iv, 'base64');
      assert.equal(encryptMac(macHex, opened.dataKey, opened.metadata.lastModified, macIv), opened.metadata.mac);
    });
  }
});
