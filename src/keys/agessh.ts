// age's SSH recipient types (ssh-ed25519, ssh-rsa), which age-encryption does not ship, as a Recipient and an Identity
// for its Encrypter and Decrypter: the stanzas of the age spec (filippo.io/age/agessh), built from node:crypto (HKDF,
// ChaCha20-Poly1305, RSA-OAEP, SHA-2) and @noble/curves (X25519, the Ed25519 to X25519 key map). Proven against the
// `age` binary in test/integration/age-ssh.test.ts.
import { createCipheriv, createDecipheriv, createHash, createPrivateKey, createPublicKey, hkdfSync, privateDecrypt, publicEncrypt, randomBytes } from 'node:crypto';
import { constants, type KeyObject } from 'node:crypto';
import type { Identity, Recipient, Stanza } from 'age-encryption';
import { ageLibs, type AgeLibs } from './agelib.js';

/** The libraries, set by the two entry points (parseSshRecipient, parseSshIdentity) before any key object exists. */
let lib!: AgeLibs;

const ED25519_LABEL = 'age-encryption.org/v1/ssh-ed25519';
const RSA_LABEL = 'age-encryption.org/v1/ssh-rsa';

/** age's base64: standard alphabet, no padding. */
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64').replace(/=+$/, '');
function unb64(s: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]*$/.test(s) || s.length % 4 === 1) return undefined;
  return Buffer.from(s, 'base64');
}

/** First 4 bytes of SHA-256 over the key's SSH wire encoding: the stanza's key tag. */
const fingerprint = (wire: Uint8Array) => b64(createHash('sha256').update(wire).digest().subarray(0, 4));

/** Reads the SSH wire format: uint32 length-prefixed strings. */
class Wire {
  private at = 0;
  constructor(private readonly buf: Buffer) {}
  bytes(): Buffer {
    if (this.at + 4 > this.buf.length) throw new Error('truncated SSH key');
    const n = this.buf.readUInt32BE(this.at);
    if (this.at + 4 + n > this.buf.length) throw new Error('truncated SSH key');
    const out = this.buf.subarray(this.at + 4, this.at + 4 + n);
    this.at += 4 + n;
    return out;
  }
  string(): string {
    return this.bytes().toString('latin1');
  }
  /** Whatever follows the last field read. */
  rest(): Buffer {
    const out = this.buf.subarray(this.at);
    this.at = this.buf.length;
    return out;
  }
  uint32(): number {
    if (this.at + 4 > this.buf.length) throw new Error('truncated SSH key');
    const v = this.buf.readUInt32BE(this.at);
    this.at += 4;
    return v;
  }
}

/** An SSH mpint (two's complement, big-endian) as unsigned big-endian bytes without leading zeros. */
function unsigned(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

const jwkInt = (b: Buffer) => unsigned(b).toString('base64url');
const big = (b: Buffer) => BigInt('0x' + (unsigned(b).toString('hex') || '0'));
const bigToB64url = (v: bigint) => {
  let hex = v.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  return Buffer.from(hex, 'hex').toString('base64url');
};

function rsaPublicKey(e: Buffer, n: Buffer): KeyObject {
  const key = createPublicKey({ key: { kty: 'RSA', n: jwkInt(n), e: jwkInt(e) }, format: 'jwk' });
  if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw new Error('RSA key size is too small');
  return key;
}

// ---- recipients ----

class Ed25519Recipient implements Recipient {
  private readonly theirKey: Uint8Array;
  constructor(private readonly wire: Buffer, edPublic: Buffer) {
    if (edPublic.length !== 32) throw new Error('invalid Ed25519 public key');
    this.theirKey = lib.curves.ed25519.utils.toMontgomery(edPublic);
  }
  wrapFileKey(fileKey: Uint8Array): Stanza[] {
    const ephemeral = randomBytes(32);
    const ourKey = lib.curves.x25519.getPublicKey(ephemeral);
    const shared = tweaked(this.wire, dh(ephemeral, this.theirKey));
    const key = hkdf(shared, concat(ourKey, this.theirKey), ED25519_LABEL);
    return [new lib.age.Stanza(['ssh-ed25519', fingerprint(this.wire), b64(ourKey)], seal(key, fileKey))];
  }
}

class RsaRecipient implements Recipient {
  constructor(
    private readonly wire: Buffer,
    private readonly key: KeyObject,
  ) {}
  wrapFileKey(fileKey: Uint8Array): Stanza[] {
    const body = publicEncrypt({ key: this.key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: Buffer.from(RSA_LABEL) }, fileKey);
    return [new lib.age.Stanza(['ssh-rsa', fingerprint(this.wire)], body)];
  }
}

/** An SSH public key line (`ssh-ed25519 AAAA… comment` or `ssh-rsa AAAA…`) as an age recipient. */
export async function parseSshRecipient(line: string): Promise<Recipient> {
  lib = await ageLibs();
  const parts = line.trim().split(/\s+/);
  const wire = parts[1] ? unb64(parts[1].replace(/=+$/, '')) : undefined;
  if (!wire) throw new Error(`malformed SSH recipient: "${line}"`);
  try {
    const r = new Wire(wire);
    const type = r.string();
    if (type !== parts[0]) throw new Error(`key type ${type} does not match ${parts[0]}`);
    if (type === 'ssh-ed25519') return new Ed25519Recipient(wire, r.bytes());
    if (type === 'ssh-rsa') {
      const e = r.bytes();
      return new RsaRecipient(wire, rsaPublicKey(e, r.bytes()));
    }
    throw new Error(`unknown SSH recipient type: "${type}"`);
  } catch (err) {
    throw new Error(`malformed SSH recipient: "${line}": ${(err as Error).message}`);
  }
}

// ---- identities ----

class Ed25519Identity implements Identity {
  private readonly secret: Uint8Array;
  private readonly ourKey: Uint8Array;
  private readonly tag: string;
  constructor(
    private readonly wire: Buffer,
    seed: Buffer,
  ) {
    // The X25519 scalar is the first half of SHA-512 of the Ed25519 seed (clamped by X25519 itself).
    this.secret = createHash('sha512').update(seed).digest().subarray(0, 32);
    this.ourKey = lib.curves.x25519.getPublicKey(this.secret);
    this.tag = fingerprint(wire);
  }
  unwrapFileKey(stanzas: Stanza[]): Uint8Array | null {
    for (const s of stanzas) {
      if (s.args[0] !== 'ssh-ed25519') continue;
      if (s.args.length !== 3) throw new Error('invalid ssh-ed25519 recipient block');
      const share = unb64(s.args[2]);
      if (!share || share.length !== 32) throw new Error('invalid ssh-ed25519 recipient block');
      if (s.args[1] !== this.tag) continue;
      const shared = tweaked(this.wire, dh(this.secret, share));
      const key = hkdf(shared, concat(share, this.ourKey), ED25519_LABEL);
      return open(key, s.body);
    }
    return null;
  }
}

class RsaIdentity implements Identity {
  private readonly tag: string;
  constructor(
    wire: Buffer,
    private readonly key: KeyObject,
  ) {
    this.tag = fingerprint(wire);
  }
  unwrapFileKey(stanzas: Stanza[]): Uint8Array | null {
    for (const s of stanzas) {
      if (s.args[0] !== 'ssh-rsa') continue;
      if (s.args.length !== 2) throw new Error('invalid ssh-rsa recipient block');
      if (s.args[1] !== this.tag) continue;
      try {
        return privateDecrypt({ key: this.key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: Buffer.from(RSA_LABEL) }, s.body);
      } catch {
        throw new Error('failed to decrypt file key');
      }
    }
    return null;
  }
}

export class SshKeyError extends Error {}

/** Asks for the passphrase of a protected key; rejects when none can be had (no terminal). */
export type PassphraseAsker = () => Promise<string>;

/**
 * An SSH private key (OpenSSH format, or PEM PKCS #1 for RSA) as an age identity. A passphrase-protected key needs
 * `ask` (and, for PEM, the public key line from its `.pub` file): it then becomes an identity that asks for the
 * passphrase only when a file has a stanza for that key, as age and sops do. Without `ask` it is refused with a
 * message that says so, as sops does for keys from SOPS_AGE_SSH_PRIVATE_KEY_CMD.
 */
export async function parseSshIdentity(text: string, ask?: PassphraseAsker, publicKeyLine?: string): Promise<Identity> {
  lib = await ageLibs();
  const pem = /-----BEGIN ([A-Z ]+)-----([\s\S]*?)-----END \1-----/.exec(text);
  if (!pem) throw new SshKeyError('not an SSH private key');
  if (pem[1] === 'RSA PRIVATE KEY') {
    if (!/Proc-Type:.*ENCRYPTED/.test(pem[2])) return rsaFromPem(pem[0], undefined);
    if (!ask) throw new SshKeyError(UNSUPPORTED);
    const wire = publicKeyLine ? publicWire(publicKeyLine) : undefined;
    if (!wire) throw new SshKeyError('the SSH key is password protected and its public key (.pub file) could not be read');
    return new LockedSshIdentity(wire, ask, (pass) => rsaFromPem(pem[0], pass));
  }
  if (pem[1] !== 'OPENSSH PRIVATE KEY') throw new SshKeyError(`unsupported SSH key type: ${pem[1]}`);
  const raw = Buffer.from(pem[2].replace(/\s+/g, ''), 'base64');
  const magic = Buffer.from('openssh-key-v1\0', 'latin1');
  if (!raw.subarray(0, magic.length).equals(magic)) throw new SshKeyError('not an OpenSSH private key');
  const r = new Wire(raw.subarray(magic.length));
  const cipher = r.string();
  const kdf = r.string();
  const kdfOptions = r.bytes();
  if (r.uint32() !== 1) throw new SshKeyError('SSH key files with several keys are not supported');
  const wire = r.bytes();
  const section = r.bytes();
  if (cipher === 'none') return openSshPrivate(wire, section);
  if (!ask) throw new SshKeyError(UNSUPPORTED);
  const c = CIPHERS[cipher];
  if (!c || kdf !== 'bcrypt') throw new SshKeyError(`the SSH key is protected with ${cipher}/${kdf}, which is not supported`);
  const tag = c.gcm ? r.rest() : Buffer.alloc(0);
  return new LockedSshIdentity(wire, ask, (pass) => openSshPrivate(wire, decryptSection(c, kdfOptions, section, tag, pass)));
}

const UNSUPPORTED = 'the SSH key is password protected, which is unsupported';

/** The ciphers ssh-keygen protects private keys with: OpenSSL name, key and IV sizes. */
const CIPHERS: Readonly<Record<string, { name: string; key: number; iv: number; gcm?: boolean }>> = {
  'aes256-ctr': { name: 'aes-256-ctr', key: 32, iv: 16 },
  'aes192-ctr': { name: 'aes-192-ctr', key: 24, iv: 16 },
  'aes128-ctr': { name: 'aes-128-ctr', key: 16, iv: 16 },
  'aes256-cbc': { name: 'aes-256-cbc', key: 32, iv: 16 },
  'aes128-cbc': { name: 'aes-128-cbc', key: 16, iv: 16 },
  'aes256-gcm@openssh.com': { name: 'aes-256-gcm', key: 32, iv: 12, gcm: true },
  'aes128-gcm@openssh.com': { name: 'aes-128-gcm', key: 16, iv: 12, gcm: true },
};

/** The private section of a protected OpenSSH key: bcrypt-pbkdf over the passphrase, then the cipher. */
function decryptSection(c: (typeof CIPHERS)[string], kdfOptions: Buffer, section: Buffer, tag: Buffer, pass: string): Buffer {
  const o = new Wire(kdfOptions);
  const salt = o.bytes();
  const rounds = o.uint32();
  if (rounds < 1 || rounds > 1 << 16) throw new SshKeyError('the SSH key asks for an unreasonable number of bcrypt rounds');
  const pw = Buffer.from(pass, 'utf8');
  const out = new Uint8Array(c.key + c.iv);
  if (lib.bcrypt.pbkdf(pw, pw.length, salt, salt.length, out, out.length, rounds) !== 0) throw new SshKeyError('bcrypt-pbkdf failed');
  const key = out.subarray(0, c.key);
  const iv = out.subarray(c.key);
  try {
    if (c.gcm) {
      const d = createDecipheriv(c.name as 'aes-256-gcm', key, iv, { authTagLength: 16 });
      d.setAuthTag(tag);
      return Buffer.concat([d.update(section), d.final()]);
    }
    const d = createDecipheriv(c.name, key, iv);
    d.setAutoPadding(false);
    return Buffer.concat([d.update(section), d.final()]);
  } catch {
    throw new SshKeyError('incorrect passphrase');
  }
}

/** The key inside an (unprotected or decrypted) OpenSSH private section. */
function openSshPrivate(wire: Buffer, section: Buffer): Identity {
  const p = new Wire(section);
  if (p.uint32() !== p.uint32()) throw new SshKeyError('incorrect passphrase or corrupt OpenSSH private key (check bytes differ)');
  const type = p.string();
  if (type === 'ssh-ed25519') {
    p.bytes(); // public key
    const secret = p.bytes(); // seed || public key
    if (secret.length !== 64) throw new SshKeyError('invalid Ed25519 private key');
    return new Ed25519Identity(wire, secret.subarray(0, 32));
  }
  if (type === 'ssh-rsa') {
    const [n, e, d, iqmp, pp, q] = [p.bytes(), p.bytes(), p.bytes(), p.bytes(), p.bytes(), p.bytes()];
    const dBig = big(d);
    const key = createPrivateKey({
      key: {
        kty: 'RSA',
        n: jwkInt(n),
        e: jwkInt(e),
        d: jwkInt(d),
        p: jwkInt(pp),
        q: jwkInt(q),
        dp: bigToB64url(dBig % (big(pp) - 1n)),
        dq: bigToB64url(dBig % (big(q) - 1n)),
        qi: jwkInt(iqmp),
      },
      format: 'jwk',
    });
    return new RsaIdentity(wire, key);
  }
  throw new SshKeyError(`unsupported SSH key type: ${type}`);
}

function rsaFromPem(pem: string, passphrase: string | undefined): Identity {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem', ...(passphrase === undefined ? {} : { passphrase }) });
  } catch (err) {
    if (passphrase !== undefined) throw new SshKeyError('incorrect passphrase');
    throw err;
  }
  const jwk = key.export({ format: 'jwk' });
  return new RsaIdentity(rsaWire(Buffer.from(jwk.e!, 'base64url'), Buffer.from(jwk.n!, 'base64url')), key);
}

/** The wire encoding in a public key line `ssh-rsa AAAA... comment`. */
function publicWire(line: string): Buffer | undefined {
  const b = line.trim().split(/\s+/)[1];
  return b ? unb64(b.replace(/=+$/, '')) : undefined;
}

/**
 * A protected SSH key: its public half tells which stanzas are its own; the passphrase is asked for (once) only
 * when a file has one of them.
 */
class LockedSshIdentity implements Identity {
  private readonly tag: string;
  private inner: Promise<Identity> | undefined;
  constructor(
    wire: Buffer,
    private readonly ask: PassphraseAsker,
    private readonly unlock: (pass: string) => Identity,
  ) {
    this.tag = fingerprint(wire);
  }
  async unwrapFileKey(stanzas: Stanza[]): Promise<Uint8Array | null> {
    if (!stanzas.some((s) => (s.args[0] === 'ssh-ed25519' || s.args[0] === 'ssh-rsa') && s.args[1] === this.tag)) return null;
    this.inner ??= this.ask().then((pass) => this.unlock(pass));
    const id = await this.inner.catch((err: unknown) => {
      this.inner = undefined;
      throw err;
    });
    return id.unwrapFileKey(stanzas);
  }
}

/** The SSH wire encoding of an RSA public key (what its fingerprint tag is computed over). */
function rsaWire(e: Buffer, n: Buffer): Buffer {
  const mpint = (b: Buffer) => (b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
  const str = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  return Buffer.concat([str(Buffer.from('ssh-rsa')), str(mpint(unsigned(e))), str(mpint(unsigned(n)))]);
}

// ---- the ssh-ed25519 construction ----

function concat(a: Uint8Array, b: Uint8Array): Buffer {
  return Buffer.concat([a, b]);
}

function hkdf(ikm: Uint8Array, salt: Uint8Array, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, 32));
}

/** X25519, refusing the all-zero result of a low-order point as Go's curve25519.X25519 does. */
function dh(scalar: Uint8Array, point: Uint8Array): Uint8Array {
  const out = lib.curves.x25519.getSharedSecret(scalar, point);
  if (out.every((b) => b === 0)) throw new Error('invalid X25519 recipient');
  return out;
}

/** The shared secret multiplied by a tweak derived from the SSH key, which binds the stanza to that key. */
function tweaked(wire: Buffer, shared: Uint8Array): Uint8Array {
  const tweak = hkdf(new Uint8Array(0), wire, ED25519_LABEL);
  return lib.curves.x25519.getSharedSecret(tweak, shared);
}

const ZERO_NONCE = Buffer.alloc(12);

function seal(key: Buffer, fileKey: Uint8Array): Buffer {
  const c = createCipheriv('chacha20-poly1305', key, ZERO_NONCE, { authTagLength: 16 });
  return Buffer.concat([c.update(fileKey), c.final(), c.getAuthTag()]);
}

function open(key: Buffer, body: Uint8Array): Uint8Array {
  if (body.length !== 32) throw new Error('invalid ssh-ed25519 recipient block');
  const d = createDecipheriv('chacha20-poly1305', key, ZERO_NONCE, { authTagLength: 16 });
  d.setAuthTag(body.subarray(16));
  try {
    return Buffer.concat([d.update(body.subarray(0, 16)), d.final()]);
  } catch {
    throw new Error('failed to decrypt file key');
  }
}
