// Reads age files (age-encryption.org/v1) whose file key is wrapped to X25519 recipients, with node:crypto only:
// X25519, HKDF-SHA-256, HMAC-SHA-256 and ChaCha20-Poly1305 all come from OpenSSL, synchronously. The age library
// does the same through WebCrypto jobs on the thread pool and web streams; importing it alone costs ~20 ms and
// each file ~1 ms, which every `helm secrets` command paid before helm could start. The library stays in use for
// everything else: encryption, post-quantum and SSH identities. The parsing rules follow the age spec
// (https://age-encryption.org/v1) and are as strict as the age library's: canonical unpadded base64, 64-column
// armor, printable-ASCII header lines, the header MAC, and STREAM chunks with the last-chunk flag.
import { createDecipheriv, createHmac, createPrivateKey, createPublicKey, diffieHellman, hkdfSync, timingSafeEqual, type KeyObject } from 'node:crypto';
import { bech32 } from '@scure/base';

const VERSION_LINE = 'age-encryption.org/v1';
const X25519_LABEL = 'age-encryption.org/v1/X25519';
const ARMOR_BEGIN = '-----BEGIN AGE ENCRYPTED FILE-----';
const ARMOR_END = '-----END AGE ENCRYPTED FILE-----';
const CHUNK = 64 * 1024;
const TAG = 16;
// The PKCS #8 wrapping of a raw X25519 private key (RFC 8410), a form node:crypto imports.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

export interface Stanza {
  args: string[];
  body: Buffer;
}

export interface AgeHeader {
  stanzas: Stanza[];
  /** The header up to and including "---": what the MAC covers. */
  headerNoMac: Buffer;
  mac: Buffer;
  /** Everything after the header line: the payload nonce and the STREAM chunks. */
  payload: Buffer;
}

/** A native X25519 identity: the private key for OpenSSL and the public key the HKDF salt needs. */
export interface X25519Key {
  privateKey: KeyObject;
  publicKey: Buffer;
}

/** Strict unpadded standard base64, as age writes it (no padding, no stray bits, nothing else). */
export function base64NoPad(s: string): Buffer {
  if (!/^[A-Za-z0-9+/]*$/.test(s) || s.length % 4 === 1) throw new Error('invalid base64');
  const b = Buffer.from(s, 'base64');
  if (b.toString('base64').replace(/=+$/, '') !== s) throw new Error('invalid base64');
  return b;
}

/** The armored form sops stores in `enc`: surrounding whitespace and CRLF tolerated, otherwise strict. */
export function dearmor(text: string): Buffer {
  const lines = text.trim().replaceAll('\r\n', '\n').split('\n');
  if (lines.shift() !== ARMOR_BEGIN) throw new Error('invalid header');
  if (lines.pop() !== ARMOR_END) throw new Error('invalid footer');
  lines.forEach((l, i) => {
    const ok = i === lines.length - 1 ? l.length > 0 && l.length <= 64 && l.length % 4 === 0 : l.length === 64;
    if (!ok) throw new Error('invalid line length');
    if (!/^[A-Za-z0-9+/=]+$/.test(l)) throw new Error('invalid base64');
  });
  const joined = lines.join('');
  const out = Buffer.from(joined, 'base64');
  if (out.toString('base64') !== joined) throw new Error('invalid base64');
  return out;
}

/** Splits a binary age file into its stanzas, MAC and payload; throws on anything the spec does not allow. */
export function parseHeader(file: Uint8Array): AgeHeader {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  let at = 0;
  const readLine = (): string => {
    const nl = buf.indexOf(0x0a, at);
    if (nl < 0) throw new Error('invalid header: no end of line');
    for (let i = at; i < nl; i++) {
      const c = buf[i];
      if (c < 32 || c > 126) throw new Error('invalid non-ASCII byte in header');
    }
    const line = buf.toString('latin1', at, nl);
    at = nl + 1;
    return line;
  };
  const version = readLine();
  if (version !== VERSION_LINE) throw new Error(`invalid version ${version.slice(0, 40)}`);
  const stanzas: Stanza[] = [];
  for (;;) {
    const lineStart = at;
    const line = readLine();
    const args = line.split(' ');
    if (args.length >= 2 && args[0] === '->') {
      args.shift();
      if (args.some((a) => a.length === 0)) throw new Error('invalid stanza');
      const body: Buffer[] = [];
      for (;;) {
        const chunk = base64NoPad(readLine());
        if (chunk.length > 48) throw new Error('invalid stanza');
        body.push(chunk);
        if (chunk.length < 48) break;
      }
      stanzas.push({ args, body: Buffer.concat(body) });
      continue;
    }
    if (!line.startsWith('--- ')) throw new Error('invalid header');
    return {
      stanzas,
      headerNoMac: buf.subarray(0, lineStart + 3),
      mac: base64NoPad(line.slice(4)),
      payload: buf.subarray(at),
    };
  }
}

/** The 32-byte secret of an age identity string, and whether it is post-quantum; undefined when malformed. */
function decodeIdentity(s: string): { pq: boolean; secret: Uint8Array } | undefined {
  const pq = s.startsWith('AGE-SECRET-KEY-PQ-1');
  if (!pq && !s.startsWith('AGE-SECRET-KEY-1')) return undefined;
  try {
    const d = bech32.decodeToBytes(s);
    if (d.prefix.toUpperCase() !== (pq ? 'AGE-SECRET-KEY-PQ-' : 'AGE-SECRET-KEY-') || d.bytes.length !== 32) return undefined;
    return { pq, secret: d.bytes };
  } catch {
    return undefined;
  }
}

/** True when `s` is a well-formed age identity (X25519 or ML-KEM hybrid), as the library would accept it. */
export function isWellFormedIdentity(s: string): boolean {
  return decodeIdentity(s) !== undefined;
}

/** Parses an AGE-SECRET-KEY-1… string; undefined when it is not a well-formed X25519 identity. */
export function parseX25519Identity(s: string): X25519Key | undefined {
  const id = decodeIdentity(s);
  if (!id || id.pq) return undefined;
  try {
    // As a JWK, for the same reason as the shares below (a cold PKCS#8 import costs ~1 ms, most of a one-file
    // decrypt's key work). Node builds a private OKP key from `d` alone; `x` must be a string but is not read.
    const privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: Buffer.from(id.secret).toString('base64url'), x: '' }, format: 'jwk' });
    const x = createPublicKey(privateKey).export({ format: 'jwk' }).x;
    if (typeof x === 'string') return { privateKey, publicKey: Buffer.from(x, 'base64url') };
  } catch {
    // A Node that checks `x` against `d`: the DER import below always works.
  }
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, id.secret]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return { privateKey, publicKey: spki.subarray(spki.length - 32) };
}

function chachaOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array): Buffer | null {
  if (sealed.length < TAG) return null;
  const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG });
  d.setAuthTag(sealed.subarray(sealed.length - TAG));
  const head = d.update(sealed.subarray(0, sealed.length - TAG));
  try {
    return Buffer.concat([head, d.final()]);
  } catch {
    return null;
  }
}

/** The file key from the first X25519 stanza one of `keys` opens, or null when none does. */
export function unwrapX25519(stanzas: Stanza[], keys: X25519Key[]): Buffer | null {
  for (const key of keys) {
    for (const s of stanzas) {
      if (s.args[0] !== 'X25519') continue;
      if (s.args.length !== 2) throw new Error('invalid X25519 stanza');
      const share = base64NoPad(s.args[1]);
      if (share.length !== 32 || s.body.length !== 32) throw new Error('invalid X25519 stanza');
      let secret: Buffer;
      try {
        // As a JWK: OpenSSL imports that in ~5 µs, an SPKI DER in ~70 µs (its decoder framework).
        const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: share.toString('base64url') }, format: 'jwk' });
        secret = diffieHellman({ privateKey: key.privateKey, publicKey });
      } catch {
        // OpenSSL refuses a share of small order (an all-zero secret): age rejects such a stanza too.
        throw new Error('invalid X25519 stanza');
      }
      const wrapKey = new Uint8Array(hkdfSync('sha256', secret, Buffer.concat([share, key.publicKey]), X25519_LABEL, 32));
      const fileKey = chachaOpen(wrapKey, new Uint8Array(12), s.body);
      if (fileKey) return fileKey;
    }
  }
  return null;
}

/** Checks the header MAC with the file key, then decrypts the STREAM payload. */
export function openPayload(h: AgeHeader, fileKey: Uint8Array): Buffer {
  const macKey = new Uint8Array(hkdfSync('sha256', fileKey, new Uint8Array(0), 'header', 32));
  const mac = createHmac('sha256', macKey).update(h.headerNoMac).digest();
  if (h.mac.length !== mac.length || !timingSafeEqual(h.mac, mac)) throw new Error('invalid header HMAC');
  if (h.payload.length < 16) throw new Error('payload too short');
  const streamKey = new Uint8Array(hkdfSync('sha256', fileKey, h.payload.subarray(0, 16), 'payload', 32));
  const body = h.payload.subarray(16);
  const nonce = Buffer.alloc(12);
  const out: Buffer[] = [];
  const step = CHUNK + TAG;
  for (let off = 0, n = 0; ; off += step, n++) {
    const last = body.length - off <= step;
    if (n > 0) nonce.writeUIntBE(n, 5, 6); // 11-byte big-endian counter; files here never reach 2^48 chunks
    nonce[11] = last ? 1 : 0;
    const plain = chachaOpen(streamKey, nonce, body.subarray(off, Math.min(off + step, body.length)));
    if (!plain) throw new Error('payload chunk failed to decrypt');
    if (last && plain.length === 0 && n > 0) throw new Error('final chunk is empty');
    out.push(plain);
    if (last) return Buffer.concat(out);
  }
}

/**
 * Decrypts a binary age file with X25519 keys. Returns null when no key opens any stanza (other identity kinds may
 * still); throws with the cause when the file is malformed or fails authentication.
 */
export function decryptX25519(file: Uint8Array, keys: X25519Key[]): Buffer | null {
  const h = parseHeader(file);
  const fileKey = unwrapX25519(h.stanzas, keys);
  return fileKey ? openPayload(h, fileKey) : null;
}
