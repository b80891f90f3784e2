// Store-independent proof of byte compatibility: every ENC string in every real sops vector decrypts to the
// expected plaintext and type, re-encrypts to the identical string with its own IV, and the MAC recomputes and re-seals.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { decryptValue, encryptValue, parseEnc, toBytes, typeOf } from '../../src/sops/cipher.js';
import { MAC_MISMATCH, MAC_MISSING, encryptMac, verifyMac } from '../../src/sops/mac.js';
import { Comment } from '../../src/sops/tree.js';
import { SopsError } from '../../src/errors.js';
import { SOPS_VECTORS } from '../helpers/paths.js';

interface Expected {
  file: string;
  data_key_hex: string;
  lastmodified: string;
  computed_mac: string;
  mac_matches: boolean | null;
  leaves: { aad: string; type: string; plaintext: string }[];
  comments: { line: string; aad: string; plaintext: string }[];
}

const EXPECTED_DIR = join(SOPS_VECTORS, 'expected');
const ENC_G = /ENC\[AES256_GCM,data:[A-Za-z0-9+/=]+,iv:[A-Za-z0-9+/=]+,tag:[A-Za-z0-9+/=]+,type:[a-z]+\]/g;
const MAC_RE = /(?:^|[\s"_])mac["']?\s*[:=]\s*["']?(ENC\[[^\]]+\])/m;
const ivOf = (enc: string) => Buffer.from(parseEnc(enc)!.iv, 'base64');
const files = readdirSync(EXPECTED_DIR).filter((f) => f.endsWith('.expected.json'));

describe('real sops vectors, leaf by leaf', () => {
  it('finds all 18 expected files', () => {
    assert.equal(files.length, 18);
  });

  for (const f of files) {
    const exp = JSON.parse(readFileSync(join(EXPECTED_DIR, f), 'utf8')) as Expected;
    const path = join(SOPS_VECTORS, f.replace(/\.expected\.json$/, '').replaceAll('__', '/'));
    const key = Buffer.from(exp.data_key_hex, 'hex');

    describe(exp.file, () => {
      const raw = readFileSync(path, 'utf8');
      const all = raw.match(ENC_G) ?? [];
      const macEnc = MAC_RE.exec(raw)?.[1];
      const valueEncs = all.filter((s) => s !== macEnc && !s.endsWith(',type:comment]'));
      const commentEncs = all.filter((s) => s.endsWith(',type:comment]'));
      const encLeaves = exp.leaves.filter((l) => l.type !== '(unencrypted)');

      it('has one ENC string per encrypted leaf, in document order', () => {
        assert.equal(valueEncs.length, encLeaves.length);
        assert.equal(commentEncs.length, exp.comments.length);
        assert.deepEqual(
          valueEncs.map((s) => parseEnc(s)!.type),
          encLeaves.map((l) => l.type),
        );
      });

      it('decrypts every value to its plaintext and type, and re-encrypts it byte for byte', () => {
        encLeaves.forEach((leaf, i) => {
          const enc = valueEncs[i];
          const v = decryptValue(enc, key, leaf.aad);
          assert.equal(typeOf(v), leaf.type, `type at ${leaf.aad}`);
          assert.equal(Buffer.from(toBytes(v)).toString('utf8'), leaf.plaintext, `plaintext at ${leaf.aad}`);
          if (leaf.type === 'str') assert.equal(v, leaf.plaintext);
          assert.equal(encryptValue(v, key, leaf.aad, ivOf(enc)), enc, `ciphertext at ${leaf.aad}`);
        });
      });

      it('decrypts and re-encrypts every comment', () => {
        exp.comments.forEach((c, i) => {
          const enc = commentEncs[i];
          assert.ok(c.line.includes(enc));
          const v = decryptValue(enc, key, c.aad);
          assert.ok(v instanceof Comment);
          assert.equal(v.text, c.plaintext);
          assert.equal(encryptValue(v, key, c.aad, ivOf(enc)), enc);
        });
      });

      it('recomputes the MAC over canonical leaf bytes and re-seals the stored MAC', () => {
        const h = createHash('sha512');
        let enc = 0;
        for (const leaf of exp.leaves) {
          if (leaf.type === '(unencrypted)') h.update(leaf.plaintext, 'utf8');
          else h.update(toBytes(decryptValue(valueEncs[enc++], key, leaf.aad)));
        }
        const mac = h.digest('hex').toUpperCase();
        assert.equal(mac, exp.computed_mac);
        if (exp.mac_matches) {
          assert.ok(macEnc);
          assert.equal(encryptMac(mac, key, exp.lastmodified, ivOf(macEnc)), macEnc);
          verifyMac(mac, macEnc, key, exp.lastmodified, false);
          assert.throws(
            () => verifyMac(mac.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')), macEnc, key, exp.lastmodified),
            (e: unknown) => e instanceof SopsError && e.code === 51 && e.message === MAC_MISMATCH && !/[0-9A-F]{16}/.test(e.message),
          );
        } else {
          assert.equal(macEnc, undefined);
          assert.throws(
            () => verifyMac(mac, macEnc, key, exp.lastmodified),
            (e: unknown) => e instanceof SopsError && e.code === 51 && e.message === MAC_MISSING,
          );
          verifyMac(mac, macEnc, key, exp.lastmodified, true);
        }
      });
    });
  }
});
