// Shamir secret sharing over GF(2^8), share for share compatible with sops's shamir package
// (a fork of HashiCorp Vault's): share i is the y-bytes of every secret byte followed by x = i+1.
import { randomBytes } from 'node:crypto';

/** Product in GF(2^8) modulo the AES polynomial x^8+x^4+x^3+x+1. */
export function gfMul(a: number, b: number): number {
  let acc = 0;
  for (let i = 7; i >= 0; i--) {
    acc = ((acc << 1) ^ (acc & 0x80 ? 0x1b : 0)) & 0xff;
    if ((b >> i) & 1) acc ^= a;
  }
  return acc;
}

/** Inverse as a^254 (Fermat); 0 maps to 0, which interpolation never asks for. */
export function gfInv(a: number): number {
  let result = 1;
  let base = a;
  for (let e = 254; e > 0; e >>= 1) {
    if (e & 1) result = gfMul(result, base);
    base = gfMul(base, base);
  }
  return result;
}

/**
 * Splits `secret` into `parts` shares of which any `threshold` rebuild it.
 * Limits are sops's: 2 ≤ threshold ≤ parts ≤ 255 and a non-empty secret.
 */
export function split(secret: Uint8Array, parts: number, threshold: number): Uint8Array[] {
  if (!Number.isInteger(parts) || !Number.isInteger(threshold)) throw new Error('parts and threshold must be integers');
  if (parts < threshold) throw new Error('parts cannot be less than threshold');
  if (parts > 255) throw new Error('parts cannot exceed 255');
  if (threshold < 2) throw new Error('threshold must be at least 2');
  if (secret.length === 0) throw new Error('cannot split an empty secret');

  const shares = Array.from({ length: parts }, (_, i) => {
    const share = new Uint8Array(secret.length + 1);
    share[secret.length] = i + 1;
    return share;
  });
  const coefficients = new Uint8Array(threshold);
  for (let idx = 0; idx < secret.length; idx++) {
    // One fresh polynomial per byte whose constant term is that byte, as the Go code does.
    coefficients[0] = secret[idx]!;
    coefficients.set(randomBytes(threshold - 1), 1);
    for (let i = 0; i < parts; i++) {
      const x = i + 1;
      let y = 0;
      for (let d = threshold - 1; d >= 0; d--) y = gfMul(y, x) ^ coefficients[d];
      shares[i][idx] = y;
    }
  }
  coefficients.fill(0);
  return shares;
}

/**
 * Rebuilds the secret by Lagrange interpolation at x = 0 over every share given.
 * Fewer shares than the threshold yield a wrong secret without error, exactly like sops.
 */
export function combine(parts: Uint8Array[]): Uint8Array {
  if (parts.length < 2) throw new Error('less than two parts cannot be used to reconstruct the secret');
  const len = parts[0].length;
  if (len < 2) throw new Error('parts must be at least two bytes');
  if (parts.some((p) => p.length !== len)) throw new Error('all parts must be the same length');
  const xs = parts.map((p) => p[len - 1]);
  if (new Set(xs).size !== xs.length) throw new Error('duplicate part detected');

  // The Lagrange basis at 0 depends only on the x values, so compute it once.
  const basis = xs.map((xi, i) => {
    let b = 1;
    xs.forEach((xj, j) => {
      if (i !== j) b = gfMul(b, gfMul(xj, gfInv(xi ^ xj)));
    });
    return b;
  });
  const secret = new Uint8Array(len - 1);
  for (let idx = 0; idx < secret.length; idx++) {
    let v = 0;
    parts.forEach((p, i) => {
      v ^= gfMul(p[idx], basis[i]);
    });
    secret[idx] = v;
  }
  return secret;
}
