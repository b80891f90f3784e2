// The leaf cipher: one value <-> one `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]` string, exactly as sops's aes package
// writes and parses it (32-byte IV, detached 16-byte tag, canonical plaintext bytes per type, Go parse rules on the way back).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ExitCode, SopsError } from '../errors.js';
import { formatFloatF } from './gofmt.js';
import { canonicalTime, parseGoBool, parseGoFloat, parseGoInt } from './goparse.js';
import { Comment, SopsTime, type Scalar } from './tree.js';

export type LeafType = 'str' | 'int' | 'float' | 'bool' | 'time' | 'comment' | 'bytes';

/** A value the cipher can encrypt: any non-null scalar, or a comment line. */
export type Plain = Exclude<Scalar, null> | Comment;

/** The four fields of an ENC string as written (base64 text for data, iv and tag). */
export interface EncParts {
  data: string;
  iv: string;
  tag: string;
  type: string;
}

const IV_SIZE = 32;
const TAG_SIZE = 16;

// What sops itself writes. Each group ends at a character its class excludes, so the engine never backtracks.
const ENC_FAST_RE =
  /^ENC\[AES256_GCM,data:([A-Za-z0-9+/]+={0,2}),iv:([A-Za-z0-9+/]+={0,2}),tag:([A-Za-z0-9+/]+={0,2}),type:([a-z]+)\]$/;
const B64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

function fail(cause: string): SopsError {
  return new SopsError(cause, ExitCode.ErrorDecryptingTree);
}

// ---------------------------------------------------------------------------------------------
// Canonical plaintext bytes (sops.ToBytes / aes.Cipher.Encrypt)

const utf8 = new TextEncoder();

export function typeOf(value: Plain): Exclude<LeafType, 'bytes'> {
  switch (typeof value) {
    case 'string':
      return 'str';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'boolean':
      return 'bool';
  }
  if (value instanceof Uint8Array) return 'str';
  if (value instanceof SopsTime) return 'time';
  if (value instanceof Comment) return 'comment';
  throw new SopsError(`Value to encrypt has unsupported type ${describeType(value)}`, ExitCode.ErrorEncryptingTree);
}

function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return (v).constructor?.name ?? 'object';
  return typeof v;
}

/** The bytes sops encrypts and hashes for a value: identical for the ciphertext and the MAC. */
export function toBytes(value: Plain): Uint8Array {
  switch (typeof value) {
    case 'string':
      return utf8.encode(value);
    case 'bigint':
      return utf8.encode(value.toString(10));
    case 'number':
      return utf8.encode(formatFloatF(value));
    case 'boolean':
      return utf8.encode(value ? 'True' : 'False');
  }
  if (value instanceof Uint8Array) return value;
  if (value instanceof SopsTime) return utf8.encode(value.text);
  if (value instanceof Comment) return utf8.encode(value.text);
  throw new SopsError(`Could not convert unknown type ${describeType(value)} to bytes`, ExitCode.ErrorEncryptingTree);
}

/** sops never wraps an empty plaintext: `""`, empty bytes and empty comments stay `""`. */
export function isEmptyPlain(value: Plain): boolean {
  if (typeof value === 'string') return value === '';
  if (value instanceof Uint8Array) return value.length === 0;
  if (value instanceof Comment) return value.text === '';
  return false;
}

// ---------------------------------------------------------------------------------------------
// IVs: drawn from a pooled CSPRNG buffer so 100k leaves cost a handful of randomBytes calls.

const POOL_SIZE = IV_SIZE * 2048;
let pool: Buffer = Buffer.alloc(0);
let poolPos = 0;

/** 32 fresh random bytes; the returned view is never handed out twice. */
export function freshIv(): Buffer {
  if (poolPos + IV_SIZE > pool.length) {
    pool = randomBytes(POOL_SIZE);
    poolPos = 0;
  }
  const iv = pool.subarray(poolPos, poolPos + IV_SIZE);
  poolPos += IV_SIZE;
  return iv;
}

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

function checkKey(dataKey: Uint8Array): Buffer {
  if (dataKey.length !== 32) throw new SopsError('The data key must be 32 bytes', ExitCode.Generic);
  return asBuffer(dataKey);
}

// ---------------------------------------------------------------------------------------------
// Encryption

/** Seals canonical plaintext bytes under `type`. Callers guarantee `plain` is non-empty. */
export function sealLeaf(plain: Uint8Array, type: string, dataKey: Uint8Array, aad: string, iv?: Uint8Array): string {
  const key = checkKey(dataKey);
  const nonce = iv ? asBuffer(iv) : freshIv();
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(Buffer.from(aad, 'utf8'));
  const head = c.update(plain);
  const tail = c.final();
  const data = tail.length ? Buffer.concat([head, tail]) : head;
  const tag = c.getAuthTag();
  // join builds one flat string; a template literal would leave a rope of eight nodes per leaf alive in the tree
  // (about 40 MB more at 100,000 leaves).
  return ['ENC[AES256_GCM,data:', data.toString('base64'), ',iv:', nonce.toString('base64'), ',tag:', tag.toString('base64'), ',type:', type, ']'].join('');
}

/**
 * Encrypts one leaf with the path `aad`. Empty plaintexts give `""` (sops cannot parse an empty `data:`).
 * `iv` pins the nonce (tests, minimal-diff re-encryption); otherwise a fresh random one is used.
 */
export function encryptValue(value: Plain, dataKey: Uint8Array, aad: string, iv?: Uint8Array): string {
  if (isEmptyPlain(value)) return '';
  return sealLeaf(toBytes(value), typeOf(value), dataKey, aad, iv);
}

// ---------------------------------------------------------------------------------------------
// Parsing and decryption

function b64(field: string, s: string, charsetChecked: boolean): Buffer {
  // Go's StdEncoding wants padding and the standard alphabet; Node would quietly accept anything.
  if (s.length % 4 !== 0 || (!charsetChecked && !B64_RE.test(s))) throw fail(`Error base64-decoding ${field}`);
  return Buffer.from(s, 'base64');
}

const ENC_PREFIX = 'ENC[AES256_GCM,data:';

/**
 * The groups sops's regex `^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]` (`.` never crosses a newline,
 * anchored at the start only) captures, found in linear time: a backtracking engine takes O(n^4) on a long value
 * that almost matches. Greedy groups give the match whose data group is longest, then iv, then tag, then type; so
 * `]` is the last one on the first line, and each separator is the last one that leaves every later group non-empty.
 */
function splitEnc(s: string): [string, string, string, string] | null {
  if (!s.startsWith(ENC_PREFIX)) return null;
  const nl = s.indexOf('\n');
  const line = nl < 0 ? s : s.slice(0, nl);
  const close = line.lastIndexOf(']');
  const type = close - 7 >= 0 ? line.lastIndexOf(',type:', close - 7) : -1;
  const tag = type - 6 >= 0 ? line.lastIndexOf(',tag:', type - 6) : -1;
  const iv = tag - 5 >= 0 ? line.lastIndexOf(',iv:', tag - 5) : -1;
  if (iv < ENC_PREFIX.length + 1) return null;
  return [line.slice(ENC_PREFIX.length, iv), line.slice(iv + 4, tag), line.slice(tag + 5, type), line.slice(type + 6, close)];
}

/** Splits an ENC string into its fields as sops's regex does; null when it does not match sops's data format. */
export function parseEnc(s: string): EncParts | null {
  const m = ENC_FAST_RE.exec(s)?.slice(1) ?? splitEnc(s);
  return m ? { data: m[0], iv: m[1], tag: m[2], type: m[3] } : null;
}

function decodeEnc(s: string): { data: Buffer; iv: Buffer; tag: Buffer; type: string } | null {
  const f = ENC_FAST_RE.exec(s);
  const m = f ? f.slice(1) : splitEnc(s);
  if (!m) return null;
  const fast = f !== null;
  return { data: b64('data', m[0], fast), iv: b64('iv', m[1], fast), tag: b64('tag', m[2], fast), type: m[3] };
}

/** Whether sops would try to decrypt `s` as an ENC value (its regex matches). */
export function isEncrypted(s: unknown): s is string {
  return typeof s === 'string' && (ENC_FAST_RE.test(s) || splitEnc(s) !== null);
}

export interface OpenedLeaf {
  value: Plain;
  type: string;
  /** The decrypted plaintext bytes as stored (not re-canonicalised). */
  plain: Buffer;
  iv: Uint8Array;
}

/** Decrypts and type-parses one ENC string; throws SopsError(exit 25) with a cause that never quotes the plaintext. */
export function openLeaf(enc: string, dataKey: Uint8Array, aad: string): OpenedLeaf {
  const parts = decodeEnc(enc);
  if (!parts) throw fail("Input string does not match sops' data format");
  const key = checkKey(dataKey);
  // Go appends the tag to the data and lets GCM take the last 16 bytes as the tag, whatever the split was.
  let data = parts.data;
  let tag = parts.tag;
  if (tag.length !== TAG_SIZE) {
    const all = Buffer.concat([data, tag]);
    if (all.length < TAG_SIZE) throw fail('Could not decrypt with AES_GCM: authentication failed');
    data = all.subarray(0, all.length - TAG_SIZE);
    tag = all.subarray(all.length - TAG_SIZE);
  }
  let plain: Buffer;
  try {
    const d = createDecipheriv('aes-256-gcm', key, parts.iv, { authTagLength: TAG_SIZE });
    d.setAAD(Buffer.from(aad, 'utf8'));
    d.setAuthTag(tag);
    const head = d.update(data);
    const tail = d.final();
    plain = tail.length ? Buffer.concat([head, tail]) : head;
  } catch {
    throw fail('Could not decrypt with AES_GCM: authentication failed');
  }
  return { value: parsePlain(plain, parts.type), type: parts.type, plain, iv: parts.iv };
}

/** Decrypts one leaf. `""` decrypts to `""`, as in sops. */
export function decryptValue(enc: string, dataKey: Uint8Array, aad: string): Plain {
  if (enc === '') return '';
  return openLeaf(enc, dataKey, aad).value;
}

// ignoreBOM: a leading U+FEFF is part of the value (Go keeps it), as Buffer#toString keeps it on the fast path.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function bytesToStr(b: Buffer): string | Uint8Array {
  const s = b.toString('utf8');
  // U+FFFD may be genuine text; only then pay for the strict check.
  if (!s.includes('\uFFFD')) return s;
  try {
    return strictUtf8.decode(b);
  } catch {
    return new Uint8Array(b);
  }
}

function parsePlain(b: Buffer, type: string): Plain {
  switch (type) {
    case 'str':
      return bytesToStr(b);
    case 'comment':
      return new Comment(b.toString('utf8'));
    case 'bytes':
      return new Uint8Array(b);
    case 'int':
      return parseGoInt(b.toString('utf8'));
    case 'float':
      return parseGoFloat(b.toString('utf8'));
    case 'bool':
      return parseGoBool(b.toString('utf8'));
    case 'time':
      return new SopsTime(canonicalTime(b.toString('utf8')));
    default:
      throw fail(`Unknown datatype: ${type}`);
  }
}

// ---------------------------------------------------------------------------------------------
// IV stash (aes.Cipher's stash): unchanged values re-encrypt to the same ENC string, keeping diffs small.

export class IvStash {
  private readonly ivs = new Map<string, Uint8Array>();

  private static key(aad: string, type: string, plain: Uint8Array): string {
    return `${aad.length}:${aad}${type}:${asBuffer(plain).toString('latin1')}`;
  }

  /** Records the IV a value was found under (called on decrypt). `type` is the type it will be re-encrypted as. */
  remember(aad: string, type: string, plain: Uint8Array, iv: Uint8Array): void {
    this.ivs.set(IvStash.key(aad, type, plain), iv);
  }

  /** The IV to re-use for this plaintext at this path, if it was decrypted there before. */
  lookup(aad: string, type: string, plain: Uint8Array): Uint8Array | undefined {
    if (this.ivs.size === 0) return undefined;
    return this.ivs.get(IvStash.key(aad, type, plain));
  }

  get size(): number {
    return this.ivs.size;
  }
}
