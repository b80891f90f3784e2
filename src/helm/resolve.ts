// Turns one parsed values reference into what helm should get: the reference unchanged, another path, or
// plaintext bytes to hand over privately. Shared by the wrapper and the getter; the plaintext stays in memory.
import { lstatSync, promises as fs, constants as fsc, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { decryptBytes, isSopsEncrypted } from '../engine.js';
import { ExitCode, HelmSecretsError, SopsError, asSopsError, printable } from '../errors.js';
import { fileKind, readInput } from '../io.js';
import { storeOfContent } from '../sops/store.js';
import type { RefKind } from './args.js';
import { redactUrl } from '../redact.js';
import { backendDecryptOptions } from '../config/backendargs.js';
import { setVerbose } from '../log.js';
import { helmHasGetter } from './getters.js';
// node:http, node:https and node:child_process (~10 ms to load) are imported only by the references that need them.
import type { TlsFiles } from './http.js';
import { checkImportAllowed, checkKeyLocation, checkValuesPath, expandUrl, symlinkRefused, symlinksAllowed } from './guards.js';
import type { KeyImport, Source } from './source.js';
import { backendFor, hasValsRef, type Backend } from './backends.js';
import { customDecryptFile, customDecryptLiteral, customIsFileEncrypted } from './custombackend.js';

export type Outcome =
  /** Hand the reference to helm exactly as written. */
  | { action: 'keep' }
  /** Hand helm this path (or URL) instead: a prefix was stripped, or a decrypted file already exists. */
  | { action: 'path'; path: string; skipped?: boolean }
  /** Hand helm these bytes; `decrypted` says whether they came out of sops, `skipped` that they are a reused FILE.dec. */
  | { action: 'content'; bytes: Uint8Array; decrypted: boolean; skipped?: boolean };

export interface ResolveContext {
  env: NodeJS.ProcessEnv;
  kind: RefKind;
  /** The wrapper reuses an existing `FILE.dec` (helm-secrets' "Decrypt skipped"); the getter does not. */
  reuseDecrypted: boolean;
  /** Private directory for key material fetched from Kubernetes when it cannot live in an env variable. */
  keyDir?: () => Promise<string>;
  /** Prints a warning line (an untrusted FILE.dec that is ignored). */
  warn?: (msg: string) => void;
  /** CA, client certificate and TLS checking for http(s) URLs (helm's flags, or what helm hands the getter). */
  tls?: TlsFiles;
  /** The type helm-secrets hands a backend: `yaml` for the wrapper's -f, else `auto` (from the name/content). */
  fileType?: 'yaml' | 'auto';
}

// A sops value as sops writes it: ENC[AES256_GCM,data:…]. Content with one and without sops metadata (metadata cut
// off, a half-merged file) is ciphertext all the same: it must not reach helm as if it were the value.
const ENC_VALUE_RE = /ENC\[[A-Z0-9_]+,data:/;

/** Whether bytes that are not a sops file still carry sops ciphertext. */
export function hasCiphertext(bytes: Uint8Array): boolean {
  return ENC_VALUE_RE.test(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'));
}

function refuseCiphertext(bytes: Uint8Array, name: string): void {
  if (hasCiphertext(bytes)) {
    throw new SopsError(`${printable(name)}: has ENC[...] values but no sops metadata; refusing to hand ciphertext to helm`);
  }
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  return (env[name] ?? '').toLowerCase() === 'true';
}

/**
 * The suffix of decrypted files: HELM_SECRETS_DEC_SUFFIX, default `.dec`. Empty counts as unset: a decrypted file
 * named as its encrypted file would overwrite it, and `clean` could not tell the two apart. Everything that names
 * or finds decrypted files (dec, enc, clean, check, the wrapper) asks here.
 */
export function decSuffix(env: NodeJS.ProcessEnv): string {
  return env.HELM_SECRETS_DEC_SUFFIX || '.dec';
}

/** helm-secrets' name for a decrypted file (HELM_SECRETS_DEC_DIR / _PREFIX / _SUFFIX). */
export function decryptedName(path: string, env: NodeJS.ProcessEnv): string {
  const prefix = env.HELM_SECRETS_DEC_PREFIX ?? '';
  const suffix = decSuffix(env);
  const base = basename(path);
  if (env.HELM_SECRETS_DEC_DIR) {
    return join(env.HELM_SECRETS_DEC_DIR, `${dirname(path).replace(/[\\/]/g, '_')}_${prefix}${base}${suffix}`);
  }
  return path === base ? `${prefix}${base}${suffix}` : join(dirname(path), `${prefix}${base}${suffix}`);
}

async function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- execFile's error is an Error (ExecFileException)
    execFile(cmd, args, { env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => { if (err) reject(err); else resolve(stdout); });
  });
}

/** The environment in which the engine finds the imported key; the helm process never sees it. */
async function keyEnv(imp: KeyImport | undefined, ctx: ResolveContext): Promise<NodeJS.ProcessEnv> {
  const env = ctx.env;
  if (!imp) return env;
  switch (imp.kind) {
    case 'gpg-file':
      checkImportAllowed('secrets+gpg-import', env);
      await checkKeyLocation(imp.path, env);
      await fs.access(imp.path).catch(() => {
        throw new SopsError(`Key file does not exist: ${printable(imp.path)}`);
      });
      return { ...env, SOPS_PGP_KEY_FILE: imp.path };
    case 'age-file':
      checkImportAllowed('secrets+age-import', env);
      await checkKeyLocation(imp.path, env);
      return { ...env, SOPS_AGE_KEY_FILE: imp.path };
    case 'gpg-kubernetes':
    case 'age-kubernetes': {
      const protocol = imp.kind === 'gpg-kubernetes' ? 'secrets+gpg-import-kubernetes' : 'secrets+age-import-kubernetes';
      checkImportAllowed(protocol, env);
      const kubectl = env.HELM_SECRETS_KUBECTL_PATH || 'kubectl';
      // Names are checked as Kubernetes names when parsed (src/helm/source.ts); `--` keeps any positional a positional.
      const args = ['get', ...(imp.namespace ? ['-n', imp.namespace] : []), '-o', `go-template={{ index .data "${imp.key}" }}`, '--', 'secret', imp.secret];
      const where = `${imp.namespace ? imp.namespace + '/' : ''}${imp.secret}`;
      let b64: string;
      try {
        b64 = await run(kubectl, args, env);
      } catch {
        throw new SopsError(`Couldn't get kubernetes secret ${where}`);
      }
      const key = Buffer.from(b64.trim(), 'base64');
      if (key.length === 0) throw new SopsError(`Couldn't find key ${imp.key} in secret ${where}`);
      if (imp.kind === 'age-kubernetes') return { ...env, SOPS_AGE_KEY: key.toString('utf8') };
      if (key.includes('-----BEGIN PGP')) return { ...env, SOPS_PGP_KEY: key.toString('utf8') };
      if (!ctx.keyDir) throw new SopsError(`binary PGP key in secret ${where} needs a private directory`);
      const file = join(await ctx.keyDir(), `key-${imp.secret.replace(/[^A-Za-z0-9_.-]/g, '_')}.gpg`);
      await fs.writeFile(file, key, { mode: 0o600 });
      return { ...env, SOPS_PGP_KEY_FILE: file };
    }
  }
}

async function decrypt(bytes: Uint8Array, name: string, env: NodeJS.ProcessEnv, warn?: (msg: string) => void): Promise<Uint8Array> {
  // Backend arguments (-a, --backend-args, HELM_SECRETS_BACKEND_ARGS) are sops flags for this call (none unless the
  // run's backend is sops); a bad one is its own error, not a decryption failure.
  const b = backendDecryptOptions(env, 'decrypting values for helm');
  if (b.verbose) setVerbose(true);
  const type = b.inputType ?? storeOfContent(bytes);
  try {
    return await decryptBytes(bytes, name, {
      env: b.decryptionOrder !== undefined ? { ...env, SOPS_DECRYPTION_ORDER: b.decryptionOrder } : env,
      inputType: type,
      outputType: b.outputType ?? type,
      ignoreMac: b.ignoreMac,
      indent: b.indent,
      configPath: b.configPath,
      keyTimeoutMs: b.keyTimeoutMs,
      warn,
    });
  } catch (err) {
    const e = asSopsError(err, ExitCode.Generic, name);
    throw new SopsError(`Error while decrypting file: ${e.oneLine()}`, e.code);
  }
}

/** Fetches `url`; messages show `written` (the URL before ${VAR} expansion), redacted. */
async function download(url: string, written: string, ignoreMissing: boolean, ctx: ResolveContext): Promise<Uint8Array | undefined> {
  const { HttpFailure, httpGet } = await import('./http.js');
  try {
    return await httpGet(url, ctx.env, ctx.tls);
  } catch (err) {
    if (ignoreMissing) return undefined;
    const cause = err instanceof HttpFailure ? err.reason : 'request failed';
    throw new SopsError(`Error while download url ${printable(redactUrl(written))} (${cause})`);
  }
}

/** Fetches another getter's reference through helm; messages name it redacted. */
async function viaHelm(spec: string, ignoreMissing: boolean, ctx: ResolveContext): Promise<Uint8Array | undefined> {
  if (!ctx.keyDir) throw new SopsError(`${printable(redactUrl(spec))}: no private directory to fetch it through helm`);
  const { fetchViaHelm } = await import('./viahelm.js');
  try {
    return await fetchViaHelm(spec, ctx.env, await ctx.keyDir());
  } catch (err) {
    if (ignoreMissing) return undefined;
    throw new SopsError(`Error while fetching ${printable(redactUrl(spec))} through helm: ${(err as Error).message}`);
  }
}

/** The name a fetched reference is decrypted under: redacted, without its query (which may hold a token). */
function remoteName(spec: string): string {
  return redactUrl(spec).replace(/[?#].*$/s, '');
}

/** Fetched bytes as helm gets them: decrypted when they are a sops file, refused when they still hold ENC[...]. */
async function fromBytes(bytes: Uint8Array, name: string, forced: string | undefined, keyImport: KeyImport | undefined, ctx: ResolveContext): Promise<Outcome> {
  const other = await otherBackend(backendFor(forced, ctx.env), bytes, name, undefined, ctx);
  if (other) return other;
  if (!isSopsEncrypted(bytes, name)) {
    refuseCiphertext(bytes, name);
    return { action: 'content', bytes, decrypted: false };
  }
  return { action: 'content', bytes: await decrypt(bytes, name, await keyEnv(keyImport, ctx)), decrypted: true };
}

const EMPTY = new Uint8Array(0);

/**
 * helm-secrets' "Decrypt skipped": an existing FILE.dec is given to helm instead of decrypting FILE. It must pass
 * the same path guards as FILE (a violation is refused, as naming it directly would be), and it is trusted only
 * when it is a regular file this user owns and nobody else can write (and, for a symlink, the link is this user's
 * too); else it is ignored with a warning and FILE is decrypted: refusing would let anyone who can write a shared
 * HELM_SECRETS_DEC_DIR block every deploy with a planted file. The bytes are read from the descriptor that was
 * checked, so the file cannot be swapped between the check and helm's read.
 */
async function reuseDecrypted(path: string, ctx: ResolveContext): Promise<Uint8Array | undefined> {
  const env = ctx.env;
  const dec = decryptedName(path, env);
  // Synchronous and without an exception for the usual answer (no such file): a rejected promise builds an error with
  // its stack for every values file of the command.
  let lst: Stats | undefined;
  try {
    lst = lstatSync(dec, { throwIfNoEntry: false });
  } catch {
    lst = undefined;
  }
  if (!lst) return undefined;
  // In the repository the name is the user's path plus a suffix: every guard applies. In HELM_SECRETS_DEC_DIR (chosen
  // by whoever runs helm, an absolute path) only the file itself is the repository's business.
  // A link someone else planted there is not refused (that would let them block the deploy) but ignored below.
  const me = process.getuid?.();
  if (!env.HELM_SECRETS_DEC_DIR) await checkValuesPath(dec, env);
  else if (lst.isSymbolicLink() && !symlinksAllowed(env) && (me === undefined || lst.uid === me)) throw symlinkRefused(dec);
  const link = lst.isSymbolicLink();
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(dec, fsc.O_RDONLY | (fsc.O_NONBLOCK ?? 0) | (fsc.O_NOCTTY ?? 0) | (link ? 0 : (fsc.O_NOFOLLOW ?? 0)));
  } catch {
    return undefined; // a dangling link, or gone: nothing to reuse
  }
  try {
    const st = await fh.stat();
    let problem: string | undefined;
    if (!st.isFile()) problem = fileKind(st);
    else if (!link && (st.ino !== lst.ino || st.dev !== lst.dev)) problem = 'was replaced while being checked';
    else if (me !== undefined && link && lst.uid !== me) problem = `is a symlink owned by uid ${lst.uid}, not by you (uid ${me})`;
    else if (me !== undefined && st.uid !== me) problem = `is owned by uid ${st.uid}, not by you (uid ${me})`;
    else if (me !== undefined && (st.mode & 0o022) !== 0) {
      problem = `can be written by ${st.mode & 0o020 ? (st.mode & 0o002 ? 'group and others' : 'its group') : 'others'} (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')})`;
    }
    if (problem) {
      ctx.warn?.(`ignoring ${printable(dec)}: it ${problem}; decrypting ${printable(path)} instead`);
      return undefined;
    }
    const bytes = await fh.readFile();
    // A "decrypted" file that is still encrypted (copied, or written by a tool that failed) is not plaintext.
    if (isSopsEncrypted(bytes, dec) || hasCiphertext(bytes)) {
      ctx.warn?.(`ignoring ${printable(dec)}: it is still encrypted; decrypting ${printable(path)} instead`);
      return undefined;
    }
    return bytes;
  } finally {
    await fh.close().catch(() => {});
  }
}

/** Decides what helm gets for one reference. Throws SopsError (exit 1 unless the engine says otherwise). */
export async function resolveSource(src: Source, ctx: ResolveContext): Promise<Outcome> {
  const env = ctx.env;
  switch (src.type) {
    case 'other': {
      const ignoreMissing = src.ignoreMissing || flag(env, 'HELM_SECRETS_IGNORE_MISSING_VALUES');
      if (!helmHasGetter(src.spec, env)) {
        // No getter for this scheme that we know of: helm reads the reference from disk, so it is a local path like
        // any other. When there is no such file, helm is asked (a getter we did not find may serve it).
        const local = await resolveLocal({ type: 'local', path: src.spec, ignoreMissing: false, ...(src.backend !== undefined ? { backend: src.backend } : {}), keyImport: src.keyImport, viaProtocol: src.viaProtocol }, ctx, true);
        if (local.action !== 'keep') return local;
      }
      const bytes = await viaHelm(src.spec, ignoreMissing, ctx);
      if (!bytes) return { action: 'content', bytes: EMPTY, decrypted: false };
      return fromBytes(bytes, remoteName(src.spec), src.backend, src.keyImport, ctx);
    }
    case 'literal': {
      const value = await resolveLiteral(src.value, backendFor(src.backend, env), ctx, 'secrets+literal://');
      return { action: 'content', bytes: Buffer.from(value, 'utf8'), decrypted: value !== src.value };
    }
    case 'http': {
      const url = expandUrl(src.url, env);
      let bytes: Uint8Array | undefined;
      try {
        bytes = await download(url, src.url, src.ignoreMissing || flag(env, 'HELM_SECRETS_IGNORE_MISSING_VALUES'), ctx);
      } catch (err) {
        // helm-secrets' words: a plain URL given to the wrapper (-f, --set-file) that cannot be fetched is a values
        // file that does not exist; "Error while download url" is what it says for secrets://URL.
        if (err instanceof SopsError && !src.viaProtocol) throw new SopsError(err.message.replace(/^Error while download url /, 'File does not exist: '));
        throw err;
      }
      if (!bytes) return { action: 'content', bytes: EMPTY, decrypted: false };
      // Named as written (before ${VAR} expansion), redacted, without the query.
      const name = remoteName(src.url);
      const other = await otherBackend(backendFor(src.backend, env), bytes, name, undefined, ctx);
      if (other) return other;
      if (!isSopsEncrypted(bytes, name)) {
        refuseCiphertext(bytes, name);
        return { action: 'content', bytes, decrypted: false };
      }
      return { action: 'content', bytes: await decrypt(bytes, name, await keyEnv(src.keyImport, ctx), ctx.warn), decrypted: true };
    }
    case 'local':
      return resolveLocal(src, ctx);
  }
}

async function resolveLocal(src: Extract<Source, { type: 'local' }>, ctx: ResolveContext, keepMissing = false): Promise<Outcome> {
  const env = ctx.env;
  const path = src.path;
  // The backend is loaded (and the allow-list checked) before the file is looked at, as helm-secrets does.
  const backend = backendFor(src.backend, env);
  await checkValuesPath(path, env);
  let bytes: Uint8Array;
  try {
    // Regular files only, opened without blocking: a FIFO or /dev/zero is refused with what it is.
    bytes = await readInput(path);
  } catch (err) {
    const missing = err instanceof SopsError && err.code === ExitCode.NoFileSpecified;
    // A reference with a scheme no getter has, and no such file: helm gets it as written (it fails there).
    if (missing && keepMissing) return { action: 'keep' };
    if (missing && (src.ignoreMissing || flag(env, 'HELM_SECRETS_IGNORE_MISSING_VALUES'))) return { action: 'content', bytes: EMPTY, decrypted: false };
    if (missing || !(err instanceof SopsError)) throw new SopsError(`File does not exist: ${printable(path)}`);
    throw new SopsError(`Values file '${printable(path)}' ${err.message}`);
  }
  if (ctx.reuseDecrypted) {
    const reused = await reuseDecrypted(path, ctx);
    if (reused) return { action: 'content', bytes: reused, decrypted: false, skipped: true };
  }
  const other = await otherBackend(backend, bytes, path, path, ctx);
  if (other) return other;
  if (!isSopsEncrypted(bytes, path)) {
    refuseCiphertext(bytes, path);
    // Our own prefixes (`?`, `sops!`, `secrets://`) mean nothing to helm: give it the bare path.
    return { action: 'path', path };
  }
  return { action: 'content', bytes: await decrypt(bytes, path, await keyEnv(src.keyImport, ctx), ctx.warn), decrypted: true };
}

/**
 * What a backend other than sops makes of one file: its plaintext, or undefined when the backend finds nothing to
 * decrypt in it (helm-secrets' backend_is_file_encrypted). noop finds something always and passes it. `path` is the
 * local file when there is one; remote bytes a custom backend must read as a file go to `scratch` (private).
 */
export async function decryptWithBackend(
  backend: Backend,
  bytes: Uint8Array,
  name: string,
  path: string | undefined,
  type: string,
  env: NodeJS.ProcessEnv,
  scratch?: () => Promise<string>,
): Promise<Uint8Array | undefined> {
  switch (backend.kind) {
    case 'sops':
      throw new Error('decryptWithBackend: sops is the engine');
    case 'noop':
      return bytes;
    case 'vals': {
      if (!hasValsRef(bytes)) return undefined;
      const { valsEvalFile } = await import('./vals.js');
      return valsEvalFile(bytes, name, type, env);
    }
    case 'custom': {
      let file = path;
      if (file === undefined) {
        if (!scratch) throw new SopsError(`${printable(name)}: no private directory to hand it to the secret backend`);
        file = join(await scratch(), `b-${Math.random().toString(36).slice(2)}-${basename(name).replace(/[^A-Za-z0-9_.-]/g, '_') || 'values'}`);
        await fs.writeFile(file, bytes, { mode: 0o600, flag: 'wx' });
      }
      if (!(await customIsFileEncrypted(backend, file, { env }))) return undefined;
      return customDecryptFile(backend, type, file, { env });
    }
  }
}

/** A backend other than sops on one values reference (undefined for sops: the engine's path above). */
async function otherBackend(backend: Backend, bytes: Uint8Array, name: string, path: string | undefined, ctx: ResolveContext): Promise<Outcome | undefined> {
  if (backend.kind === 'sops') return undefined;
  if (backend.kind === 'noop') return path !== undefined ? { action: 'path', path } : { action: 'content', bytes, decrypted: false };
  const plain = await decryptWithBackend(backend, bytes, name, path, ctx.fileType ?? 'auto', ctx.env, ctx.keyDir);
  if (plain) return { action: 'content', bytes: plain, decrypted: true };
  refuseCiphertext(bytes, name);
  return path !== undefined ? { action: 'path', path } : { action: 'content', bytes, decrypted: false };
}

const VALS_REF_RE = /^ref\+[A-Za-z0-9]+:\/\//;

/**
 * One literal value (`secrets+literal://…`, a `--set` value) through its backend: helm-secrets' decrypt_literal.
 * sops decrypts a sops JSON document and passes anything else; noop passes; vals resolves a value holding `ref+`;
 * a custom backend's script decides. A vals reference is never passed on unresolved: with another backend it is
 * refused. `what` names the literal's place in messages (never its value).
 */
export async function resolveLiteral(value: string, backend: Backend, ctx: ResolveContext, what: string): Promise<string> {
  switch (backend.kind) {
    case 'noop':
      return value;
    case 'vals': {
      if (!hasValsRef(value)) return value;
      const { valsGet } = await import('./vals.js');
      return valsGet(value, ctx.env, what);
    }
    case 'custom': {
      const out = await customDecryptLiteral(backend, value, { env: ctx.env });
      if (out === undefined) throw new HelmSecretsError(`Unable to decrypt literal value of ${printable(what)} (secret backend ${printable(backend.name)})`);
      return out;
    }
    case 'sops': {
      const bytes = Buffer.from(value, 'utf8');
      if (!isSopsEncrypted(bytes, 'literal.json')) {
        refuseCiphertext(bytes, what);
        if (VALS_REF_RE.test(value.trim())) {
          throw new SopsError(`${printable(what)}: a vals reference (ref+…://) needs the vals backend (vals!REF, -b vals or HELM_SECRETS_BACKEND=vals); refusing to hand it to helm unresolved`);
        }
        return value;
      }
      return Buffer.from(await decrypt(bytes, 'literal.json', ctx.env, ctx.warn)).toString('utf8');
    }
  }
}
