// The OpenPGP master key: wraps and unwraps through the user's gpg (agent, smartcards, keyring) like sops,
// and falls back to openpgp.js with keys from SOPS_PGP_KEY / SOPS_PGP_KEY_FILE when there is no gpg binary.
import { spawn } from 'node:child_process';
import { readKeyFile } from './keyfile.js';
import { delimiter } from 'node:path';
import { nowRfc3339 } from '../clock.js';
import { sdk } from './sdk.js';
import type { KeyContext, KeyEntry, KeyFields, KeyOps, KeySpec } from './types.js';

type OpenPGP = typeof import('openpgp');
type PgpKey = import('openpgp').Key;

/** Variables read by the openpgp.js path (documented in the report and the README). */
export const PGP_ENV = {
  exec: 'SOPS_GPG_EXEC',
  /** Armored key(s), private or public, one or several blocks. */
  key: 'SOPS_PGP_KEY',
  /** Path to a file of armored or binary key(s); several paths joined with the platform's path delimiter. */
  keyFile: 'SOPS_PGP_KEY_FILE',
  /** Passphrase for protected private keys on the openpgp.js path (gpg asks its agent instead). */
  passphrase: 'SOPS_PGP_PASSPHRASE',
} as const;

const ARMORED_PUBLIC = '-----BEGIN PGP PUBLIC KEY BLOCK-----';

export const pgpKind: KeyOps = {
  /**
   * The spec names a fingerprint (`fp`), or carries an armored public key in `public_key`
   * (or as `fp` itself); with an armored key the entry's fp becomes that key's fingerprint.
   */
  async wrap(spec: KeySpec, part: Uint8Array, ctx: KeyContext): Promise<KeyEntry> {
    const armoredKey = armoredPublicKey(spec.fields);
    let fp: string;
    let enc: string;
    if (armoredKey) {
      const openpgp = await loadOpenPGP();
      const key = await openpgp.readKey({ armoredKey });
      fp = key.getFingerprint().toUpperCase();
      enc = await encryptWithOpenPGP(openpgp, key, undefined, part);
    } else {
      fp = normalizeFingerprint(String(spec.fields.fp ?? ''));
      if (!fp) throw new Error('pgp key has no fingerprint');
      enc = await wrapForFingerprint(fp, part, ctx);
    }
    return { kind: spec.kind, fields: { created_at: nowRfc3339(), enc, fp } };
  },

  async unwrap(entry: KeyEntry, ctx: KeyContext): Promise<Uint8Array | null> {
    const enc = entry.fields.enc;
    if (typeof enc !== 'string' || enc === '') throw new Error('the entry has no enc value');
    let gpgProblem: string | undefined;
    let noGpg = false;
    try {
      const r = await runGpg(ctx.env, ['--batch', '--quiet', '-d'], Buffer.from(enc, 'utf8'), MAX_KEY_BYTES);
      if (r.overflow) throw new Error(TOO_BIG('gpg'));
      if (r.code === 0 && r.stdout.length > 0) return new Uint8Array(r.stdout);
      gpgProblem = r.code === 0 ? 'gpg: zero bytes returned' : lastLine(r.stderr) || `gpg exited with code ${r.code}`;
    } catch (err) {
      if (!isMissingBinary(err)) throw err;
      noGpg = true;
    }
    // No gpg binary, or gpg failed: keys given in the environment may still open it.
    const keys = await environmentKeys(ctx.env);
    if (keys.length === 0) {
      if (gpgProblem) throw new Error(gpgProblem);
      // Nothing could have opened it: say why, rather than "no matching identity".
      if (noGpg) throw new Error(`gpg not found (${ctx.env[PGP_ENV.exec] || 'gpg'}) and no key in ${PGP_ENV.key} or ${PGP_ENV.keyFile}: install gnupg, or set ${PGP_ENV.keyFile} to your private key file`);
      return null;
    }
    const opened = await decryptWithOpenPGP(await loadOpenPGP(), keys, enc, ctx.env);
    if (opened) return opened;
    if (gpgProblem) throw new Error(gpgProblem);
    return null;
  },
};

/** Spaces removed, a trailing `!` (exact subkey) kept, as sops does. */
export function normalizeFingerprint(fp: string): string {
  return fp.replace(/ /g, '');
}

function armoredPublicKey(fields: KeyFields): string | undefined {
  if (typeof fields.public_key === 'string' && fields.public_key.includes(ARMORED_PUBLIC)) return fields.public_key;
  if (typeof fields.fp === 'string' && fields.fp.trimStart().startsWith(ARMORED_PUBLIC)) return fields.fp;
  return undefined;
}

async function wrapForFingerprint(fp: string, part: Uint8Array, ctx: KeyContext): Promise<string> {
  let gpgProblem: string | undefined;
  try {
    const args = ['--batch', '--no-default-recipient', '--yes', '--encrypt', '-a', '-r', fp, '--trusted-key', shortKeyId(fp), '--no-encrypt-to'];
    const r = await runGpg(ctx.env, args, Buffer.from(part));
    const out = r.stdout.toString('utf8').trim();
    if (r.code === 0 && out) return out;
    gpgProblem = lastLine(r.stderr) || `gpg exited with code ${r.code}`;
  } catch (err) {
    if (!isMissingBinary(err)) throw err;
  }
  const keys = await environmentKeys(ctx.env);
  const match = findKey(keys, fp);
  if (match) return encryptWithOpenPGP(await loadOpenPGP(), match.key, match.subkeyId, part);
  throw new Error(gpgProblem ?? `no public key for ${fp} (no gpg binary and not in ${PGP_ENV.key}/${PGP_ENV.keyFile})`);
}

/** The last 16 hex digits (plus `!` when present), which older gpg versions accept in --trusted-key. */
function shortKeyId(fp: string): string {
  const bang = fp.endsWith('!');
  const hex = bang ? fp.slice(0, -1) : fp;
  return (hex.length > 16 ? hex.slice(-16) : hex) + (bang ? '!' : '');
}

// ---- gpg binary ----

/**
 * The most a decrypted entry may hold: a data key is 32 bytes, a Shamir share 33. A compressed message of 1 KB can
 * expand to hundreds of MB (a decompression bomb, no key needed when it is not even encrypted): past this, gpg is
 * killed and openpgp.js stops reading.
 */
export const MAX_KEY_BYTES = 1024;
const MAX_STDERR_BYTES = 64 * 1024;
const TOO_BIG = (who: string) => `${who} printed more than ${MAX_KEY_BYTES} bytes: not a sops data key (a compressed message?)`;

interface GpgResult {
  code: number;
  stdout: Buffer;
  stderr: string;
  /** stdout went past the cap and gpg was killed. */
  overflow: boolean;
}

function runGpg(env: NodeJS.ProcessEnv, args: string[], input: Buffer, maxStdout = Infinity): Promise<GpgResult> {
  const bin = env[PGP_ENV.exec] || 'gpg';
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let overflow = false;
    child.stdout.on('data', (b: Buffer) => {
      if (overflow) return;
      outBytes += b.length;
      if (outBytes > maxStdout) {
        overflow = true;
        out.length = 0;
        child.kill('SIGKILL');
        child.stdout.destroy();
        return;
      }
      out.push(b);
    });
    child.stderr.on('data', (b: Buffer) => {
      if (errBytes < MAX_STDERR_BYTES) err.push(b);
      errBytes += b.length;
    });
    child.on('error', reject);
    child.on('close', (code) => { resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), overflow }); },
    );
    // gpg may exit before reading everything (unknown key); that EPIPE is not the failure to report.
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

function isMissingBinary(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'EACCES';
}

function lastLine(stderr: string): string {
  const lines = stderr.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? '';
}

// ---- openpgp.js fallback ----

let openpgpPromise: Promise<OpenPGP> | undefined;

/**
 * openpgp.js is loaded only on this path, so age-only and gpg runs never pay for it. It is required (its CommonJS
 * build), not imported: the bundle runs as a vm.Script for the code cache, where Node 20 has no import() loader.
 */
function loadOpenPGP(): Promise<OpenPGP> {
  openpgpPromise ??= Promise.resolve().then(() => sdk<OpenPGP>('openpgp'));
  return openpgpPromise;
}

/** sops accepts the RSA-1024 functional-test key, so the floor is lowered to 1024 bits. */
function pgpConfig(openpgp: OpenPGP) {
  return { ...openpgp.config, minRSABits: 1024 };
}

const keyCache = new Map<string, Promise<PgpKey[]>>();

async function environmentKeys(env: NodeJS.ProcessEnv): Promise<PgpKey[]> {
  const text = env[PGP_ENV.key];
  const file = env[PGP_ENV.keyFile];
  if (!text && !file) return [];
  const cacheKey = JSON.stringify([text ?? null, file ?? null]);
  let p = keyCache.get(cacheKey);
  if (!p) {
    p = readEnvironmentKeys(text, file);
    keyCache.set(cacheKey, p);
    p.catch(() => keyCache.delete(cacheKey));
  }
  return p;
}

async function readEnvironmentKeys(text: string | undefined, file: string | undefined): Promise<PgpKey[]> {
  const openpgp = await loadOpenPGP();
  const keys: PgpKey[] = [];
  if (text) keys.push(...(await readKeyMaterial(openpgp, Buffer.from(text, 'utf8'), PGP_ENV.key)));
  for (const path of file ? file.split(delimiter).filter(Boolean) : []) {
    let bytes: Buffer;
    try {
      bytes = await readKeyFile(path);
    } catch (err) {
      throw new Error(`failed to read ${PGP_ENV.keyFile} ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    keys.push(...(await readKeyMaterial(openpgp, bytes, path)));
  }
  return keys;
}

/** Reads every key in armored text (several blocks allowed) or in a binary keyring. */
async function readKeyMaterial(openpgp: OpenPGP, bytes: Buffer, source: string): Promise<PgpKey[]> {
  const text = bytes.toString('utf8');
  try {
    if (!text.includes('-----BEGIN PGP')) return await openpgp.readKeys({ binaryKeys: new Uint8Array(bytes) });
    const blocks = text.match(/-----BEGIN PGP (?:PRIVATE|PUBLIC) KEY BLOCK-----[\s\S]*?-----END PGP (?:PRIVATE|PUBLIC) KEY BLOCK-----/g) ?? [];
    const keys: PgpKey[] = [];
    for (const armoredKeys of blocks) keys.push(...(await openpgp.readKeys({ armoredKeys })));
    return keys;
  } catch (err) {
    throw new Error(`failed to read OpenPGP keys from ${source}: ${(err as Error).message}`);
  }
}

/** A key whose primary or subkey fingerprint (or 16-hex key id) is `fp`; `!` pins that exact subkey. */
function findKey(keys: PgpKey[], fp: string): { key: PgpKey; subkeyId?: import('openpgp').KeyID } | undefined {
  const want = fp.replace(/!$/, '').toLowerCase();
  const matches = (candidate: string) => candidate === want || (want.length === 16 && candidate.endsWith(want));
  // A public key listed after its private twin must not shadow it, and vice versa: prefer private.
  const ordered = [...keys.filter((k) => k.isPrivate()), ...keys.filter((k) => !k.isPrivate())];
  for (const key of ordered) {
    if (matches(key.getFingerprint())) return { key };
    for (const sub of key.getSubkeys()) {
      if (matches(sub.getFingerprint())) return { key, subkeyId: fp.endsWith('!') ? sub.getKeyID() : undefined };
    }
  }
  return undefined;
}

async function encryptWithOpenPGP(
  openpgp: OpenPGP,
  key: PgpKey,
  subkeyId: import('openpgp').KeyID | undefined,
  part: Uint8Array,
): Promise<string> {
  const publicKey = key.isPrivate() ? key.toPublic() : key;
  const message = await openpgp.createMessage({ binary: part, format: 'binary' });
  // openpgp's declarations do not resolve under the linter's project service (tsc checks this call).
  // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment
  const armored = await openpgp.encrypt({
    message,
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- as above
    encryptionKeys: publicKey,
    ...(subkeyId ? { encryptionKeyIDs: [subkeyId] } : {}),
    format: 'armored',
    config: pgpConfig(openpgp),
  });
  return String(armored).trim();
}

/** Returns null when none of the keys is a recipient of the message. */
async function decryptWithOpenPGP(
  openpgp: OpenPGP,
  keys: PgpKey[],
  enc: string,
  env: NodeJS.ProcessEnv,
): Promise<Uint8Array | null> {
  let message: import('openpgp').Message<Uint8Array>;
  try {
    message = await openpgp.readMessage({ armoredMessage: enc });
  } catch (err) {
    throw new Error(`openpgp: ${(err as Error).message}`);
  }
  const wanted = new Set(message.getEncryptionKeyIDs().map((id) => id.toHex()));
  const candidates: import('openpgp').PrivateKey[] = [];
  for (const key of keys) {
    if (!key.isPrivate()) continue;
    const ids = [key.getKeyID(), ...key.getSubkeys().map((s) => s.getKeyID())].map((id) => id.toHex());
    if (ids.some((id) => wanted.has(id))) candidates.push(await unlocked(openpgp, key, env));
  }
  if (candidates.length === 0) return null;
  let data: Uint8Array;
  try {
    // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- openpgp's declarations, as above
    ({ data } = await openpgp.decrypt({
      message,
      decryptionKeys: candidates,
      format: 'binary',
      // openpgp.js stops decompressing past this (a decompression bomb otherwise expands in memory).
      config: { ...pgpConfig(openpgp), maxDecompressedMessageSize: MAX_KEY_BYTES },
    }));
  } catch (err) {
    const msg = (err as Error).message;
    if (/decompressed/i.test(msg)) throw new Error(TOO_BIG('openpgp'));
    throw new Error(`openpgp: ${msg}`);
  }
  if (data.length > MAX_KEY_BYTES) throw new Error(TOO_BIG('openpgp'));
  return data;
}

async function unlocked(openpgp: OpenPGP, key: import('openpgp').PrivateKey, env: NodeJS.ProcessEnv) {
  if (key.isDecrypted()) return key;
  const passphrase = env[PGP_ENV.passphrase];
  if (!passphrase) throw new Error(`private key ${key.getFingerprint().toUpperCase()} is passphrase protected; set ${PGP_ENV.passphrase}`);
  try {
    return await openpgp.decryptKey({ privateKey: key, passphrase });
  } catch (err) {
    throw new Error(`could not unlock private key ${key.getFingerprint().toUpperCase()}: ${(err as Error).message}`);
  }
}
