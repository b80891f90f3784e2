// Shamir sharing: field arithmetic against independent references, share layout as sops writes it,
// hand-derived known answers, and recovery from every subset of shares.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { combine, gfInv, gfMul, split } from '../../src/sops/shamir.js';

/** Schoolbook carry-less product then reduction by 0x11B: an independent reference for gfMul. */
function refMul(a: number, b: number): number {
  let p = 0;
  for (let i = 0; i < 8; i++) if ((b >> i) & 1) p ^= a << i;
  for (let bit = 14; bit >= 8; bit--) if ((p >> bit) & 1) p ^= 0x11b << (bit - 8);
  return p;
}

function subsets<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let mask = 1; mask < 1 << items.length; mask++) out.push(items.filter((_, i) => (mask >> i) & 1));
  return out;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('shamir', () => {
  describe('GF(2^8) arithmetic', () => {
    it('matches published products of the AES field', () => {
      assert.equal(gfMul(3, 7), 9); // HashiCorp/sops unit test
      assert.equal(gfMul(0x53, 0xca), 1); // FIPS-197 inverse pair
      assert.equal(gfMul(0x57, 0x83), 0xc1); // FIPS-197 §4.2
      assert.equal(gfMul(0x57, 0x13), 0xfe); // FIPS-197 §4.2.1
      assert.equal(gfMul(3, 0), 0);
      assert.equal(gfMul(0, 3), 0);
    });

    it('agrees with a schoolbook reference for all 65536 products', () => {
      for (let a = 0; a < 256; a++) for (let b = 0; b < 256; b++) assert.equal(gfMul(a, b), refMul(a, b), `${a}*${b}`);
    });

    it('inverts every non-zero element and maps 0 to 0', () => {
      assert.equal(gfInv(0), 0);
      assert.equal(gfInv(0x53), 0xca);
      for (let a = 1; a < 256; a++) assert.equal(gfMul(a, gfInv(a)), 1, `inverse of ${a}`);
    });
  });

  describe('split', () => {
    it('lays out each share as y-bytes then x = i+1', () => {
      const secret = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
      const shares = split(secret, 5, 3);
      assert.equal(shares.length, 5);
      shares.forEach((s, i) => {
        assert.equal(s.length, 33);
        assert.equal(s[32], i + 1);
      });
    });

    it('evaluates a degree-(t-1) polynomial per byte whose constant term is the secret byte', () => {
      // With threshold 2 every share satisfies y(x) = s + c·x; recover c from share 1 and check the rest.
      const secret = Uint8Array.from([0x2a, 0x00, 0xff]);
      const shares = split(secret, 6, 2);
      for (let idx = 0; idx < secret.length; idx++) {
        const c = shares[0]![idx]! ^ secret[idx]!;
        shares.forEach((s, i) => assert.equal(s[idx], secret[idx]! ^ refMul(c, i + 1)));
      }
    });

    it('draws fresh randomness each time', () => {
      const secret = new Uint8Array(32).fill(1);
      assert.notEqual(hex(split(secret, 3, 2)[0]!), hex(split(secret, 3, 2)[0]!));
    });

    it('rejects the limits sops rejects', () => {
      const s = new Uint8Array([1]);
      assert.throws(() => split(s, 2, 3), /parts cannot be less than threshold/);
      assert.throws(() => split(s, 256, 2), /parts cannot exceed 255/);
      assert.throws(() => split(s, 3, 1), /threshold must be at least 2/);
      assert.throws(() => split(new Uint8Array(0), 3, 2), /empty secret/);
    });
  });

  describe('combine', () => {
    it('recovers hand-computed shares of 0x2a with slope 7 (x=1,2,3 → 0x2d,0x24,0x23)', () => {
      const s1 = Uint8Array.from([0x2d, 1]);
      const s2 = Uint8Array.from([0x24, 2]);
      const s3 = Uint8Array.from([0x23, 3]);
      for (const set of [[s1, s2], [s2, s3], [s1, s3], [s3, s1], [s1, s2, s3]]) assert.deepEqual(combine(set), Uint8Array.from([0x2a]));
    });

    it('recovers a degree-2 polynomial evaluated by the reference field', () => {
      // y(x) = 0x99 + 0x10·x + 0xab·x² for x = 1..4
      const y = (x: number) => 0x99 ^ refMul(0x10, x) ^ refMul(0xab, refMul(x, x));
      const shares = [1, 2, 3, 4].map((x) => Uint8Array.from([y(x), x]));
      assert.deepEqual(combine([shares[0]!, shares[2]!, shares[3]!]), Uint8Array.from([0x99]));
      assert.notDeepEqual(combine([shares[0]!, shares[1]!]), Uint8Array.from([0x99]));
    });

    it('recovers from every subset at or above the threshold and not below it (5 shares, threshold 3)', () => {
      const secret = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
      const shares = split(secret, 5, 3);
      let ok = 0;
      let wrong = 0;
      for (const set of subsets(shares)) {
        if (set.length < 2) continue;
        if (set.length >= 3) {
          assert.equal(hex(combine(set)), hex(secret));
          ok++;
        } else {
          assert.notEqual(hex(combine(set)), hex(secret));
          wrong++;
        }
      }
      assert.equal(ok, 16);
      assert.equal(wrong, 10);
    });

    it('rejects malformed share sets', () => {
      assert.throws(() => combine([Uint8Array.from([1, 1])]), /less than two parts/);
      assert.throws(() => combine([Uint8Array.from([1]), Uint8Array.from([2])]), /at least two bytes/);
      assert.throws(() => combine([Uint8Array.from([1, 1]), Uint8Array.from([1, 2, 3])]), /same length/);
      assert.throws(() => combine([Uint8Array.from([1, 1]), Uint8Array.from([2, 1])]), /duplicate part/);
    });

    it('round-trips any secret, share count and threshold (property)', () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 1, maxLength: 48 }),
          fc.integer({ min: 2, max: 12 }),
          fc.integer({ min: 0, max: 1000 }),
          fc.integer({ min: 0, max: 1 << 30 }),
          (secret, n, tSeed, pick) => {
            const t = 2 + (tSeed % (n - 1));
            const shares = split(secret, n, t);
            // A pseudo-random subset of exactly t shares, in shuffled order.
            const pool = [...shares];
            const chosen: Uint8Array[] = [];
            let r = pick;
            while (chosen.length < t) {
              chosen.push(pool.splice(r % pool.length, 1)[0]!);
              r = Math.floor(r / 7) + 13;
            }
            assert.equal(hex(combine(chosen)), hex(secret));
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});
