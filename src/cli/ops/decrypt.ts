// decrypt (helm-secrets 4: stdout, -i, --output), dec (helm-secrets 2/3: writes FILE.dec, 0600) and view (stdout).
// Plaintext goes to stdout or to the one file the user asked for; nowhere else.
import { lstatSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { decryptBytes, isSopsEncrypted } from '../../engine.js';
import { readInput, writeAtomic } from '../../io.js';
import { ExitCode, OwnCheck, SopsError, isMissingFile, printable } from '../../errors.js';
import { decSuffix } from '../../helm/resolve.js';
import type { FileCommandArgs } from '../args.js';
import { info, lockOptions, reportError, warn } from '../console.js';
import { writeStdout } from '../../stdio.js';
import { eachFile } from '../command.js';
import { checkStdinUse, readStdinInput, readsStdin } from './stdin.js';
import { withFileLock } from '../../lock.js';
import { fetchRemote, isRemote, remoteFileName } from '../../helm/remote.js';
import { redactUrl } from '../../redact.js';
import { storeNameFor, storeOfContent } from '../../sops/store.js';
import { Unsupported, defaultBackend, type Backend } from '../../helm/backends.js';
import { decryptWithBackend } from '../../helm/resolve.js';
import { Delivery } from '../../helm/deliver.js';

export function decPath(file: string, env: NodeJS.ProcessEnv): string {
  const prefix = env.HELM_SECRETS_DEC_PREFIX ?? '';
  const suffix = decSuffix(env);
  return join(dirname(file), `${prefix}${basename(file)}${suffix}`);
}

export type Mode = 'decrypt' | 'dec' | 'view';

/**
 * FILE.dec is a name this command picks, not one the user gave, and a repository can hold a symlink by that name (to
 * ~/.bashrc, say: the plaintext would replace it) or something that is not a file (a device would be written
 * into). Plaintext goes there only as a new file or over a regular file of the user's own; --output, a place the
 * user names, is written as given.
 */
function checkDecTarget(target: string): void {
  const st = lstatSync(target, { throwIfNoEntry: false });
  if (!st) return;
  const refuse = (what: string) =>
    new SopsError(`${printable(target)} ${what}; refusing to write plaintext there (remove it, or choose a place with --output)`, ExitCode.CouldNotWriteOutputFile);
  if (st.isSymbolicLink()) throw refuse('is a symbolic link');
  if (!st.isFile()) throw refuse('exists and is not a regular file');
  const me = process.getuid?.();
  if (me !== undefined && st.uid !== me) throw refuse(`is owned by uid ${st.uid}, not by you (uid ${me})`);
}

/** Writes FILE.dec, or --output when given. */
async function writeDec(target: string, named: boolean, plain: Uint8Array): Promise<void> {
  if (!named) checkDecTarget(target);
  await writeAtomic(target, plain, 0o600);
}

/**
 * helm-secrets' own checks before the engine runs: the file exists and is encrypted. The format comes from the
 * content, as helm-secrets decides it (so `secrets.yaml.gotpl` decrypts as YAML), unless --input-type names one.
 */
async function readEncrypted(file: string, args: FileCommandArgs): Promise<{ bytes: Uint8Array; inputType?: string }> {
  let bytes: Uint8Array;
  try {
    bytes = await readInput(file);
  } catch (err) {
    throw isMissingFile(err) ? OwnCheck.missing(file) : err;
  }
  if (!isSopsEncrypted(bytes)) throw OwnCheck.notEncrypted(file);
  return { bytes, inputType: formatOf(bytes, args) };
}

/** --input-type, else --filename-override's extension when it names a format, else the content (helm-secrets). */
function formatOf(bytes: Uint8Array, args: FileCommandArgs): string | undefined {
  if (args.common.inputType) return args.common.inputType;
  if (args.filenameOverride && storeNameFor(args.filenameOverride) !== 'binary') return undefined;
  return storeOfContent(bytes);
}

export async function runDecrypt(mode: Mode, args: FileCommandArgs): Promise<number> {
  if (readsStdin(args.files)) {
    try {
      return await decryptStdin(mode, args);
    } catch (err) {
      return reportError(err);
    }
  }
  if (args.files.length === 0) return reportError(OwnCheck.noFile());
  if (args.output && args.files.length > 1) {
    return reportError(new SopsError('--output takes exactly one input file', ExitCode.ConflictingParameters));
  }
  if (args.terraform && args.files.length > 1) {
    return reportError(new SopsError('--terraform takes exactly one input file', ExitCode.ConflictingParameters));
  }
  const env = args.common.env ?? process.env;
  const backend = defaultBackend(env);
  if (backend.kind !== 'sops') {
    let code = 0;
    for (const file of args.files) code = (await decryptOther(mode, file, backend, args, env)) || code;
    return code;
  }
  let remote = 0;
  const code = await eachFile(args.files, async (file) => {
    if (isRemote(file, env)) remote = (await decryptRemote(mode, file, args, env)) || remote;
    else await decryptFile(mode, file, args, env);
  });
  return code || remote;
}

/** The plaintext as the command delivers it: Terraform's JSON, FILE.dec, --output, or stdout. */
async function deliver(mode: Mode, plain: Uint8Array, file: string, shown: string, args: FileCommandArgs, env: NodeJS.ProcessEnv): Promise<void> {
  if (args.terraform) {
    // As helm-secrets prints it (no newline), for `data "external"`: the plaintext goes to stdout only, as with
    // a plain decrypt; -i and --output are ignored, as there.
    await writeStdout(`{"content_base64":"${Buffer.from(plain).toString('base64')}"}`);
  } else if (mode === 'dec') {
    const target = args.output ?? decPath(file, env);
    await writeDec(target, args.output !== undefined, plain);
    info(`Decrypted ${shown} to ${target}: this is PLAINTEXT on disk; remove it when done (helm secrets clean)`);
  } else if (mode === 'decrypt' && args.output) {
    await writeAtomic(args.output, plain, 0o600);
    info(`Decrypted ${shown} to ${args.output}`);
  } else {
    await writeStdout(plain);
  }
}

/** One local file: the name for the rules and formats is --filename-override's when given (sops 3.10). */
export async function decryptFile(mode: Mode, file: string, args: FileCommandArgs, env: NodeJS.ProcessEnv): Promise<void> {
  const name = args.filenameOverride ?? file;
  if (mode === 'decrypt' && args.inPlace && !args.terraform) {
    // Read, decrypt and write back under the file's lock, so a concurrent change is not lost.
    await withFileLock(file, lockOptions(env, 'decrypt -i'), async () => {
      const { bytes, inputType } = await readEncrypted(file, args);
      const plain = await decryptBytes(bytes, name, { ...args.common, inputType, extract: args.extract, warn });
      await writeAtomic(file, plain);
    });
    info(`Decrypted ${file} in place: it is now PLAINTEXT on disk`);
    return;
  }
  const { bytes, inputType } = await readEncrypted(file, args);
  const plain = await decryptBytes(bytes, name, { ...args.common, inputType, extract: args.extract, warn });
  await deliver(mode, plain, file, file, args, env);
}

/**
 * Encrypted input on stdin (`-`, or no FILE with input piped in): printed (or --output). The format comes from
 * --input-type, else --filename-override's extension, else the content, as for files.
 */
export async function decryptStdin(mode: Mode, args: FileCommandArgs): Promise<number> {
  const env = args.common.env ?? process.env;
  // Nothing piped in is no input at all (helm-secrets' "secrets file required"), before any other refusal.
  const bytes = await readStdinInput();
  checkStdinUse({ inPlace: args.inPlace && !args.terraform, what: mode === 'dec' ? 'write FILE.dec' : undefined });
  const name = args.filenameOverride ?? 'stdin';
  if (!isSopsEncrypted(bytes)) throw OwnCheck.notEncrypted(name);
  const inputType = formatOf(bytes, args);
  const plain = await decryptBytes(bytes, name, { ...args.common, inputType, extract: args.extract, warn });
  await deliver(mode, plain, name, 'stdin', args, env);
  return 0;
}

/** decrypt / view of a URL: to stdout or --output; there is no file to write in place or beside. */
async function decryptRemote(mode: Mode, url: string, args: FileCommandArgs, env: NodeJS.ProcessEnv): Promise<number> {
  const shown = redactUrl(url);
  try {
    if (mode === 'dec' || (args.inPlace && !args.terraform)) {
      throw new SopsError(`${shown}: a URL cannot be decrypted ${mode === 'dec' ? 'to URL.dec' : 'in place'}; use decrypt (stdout) or --output FILE`, ExitCode.ConflictingParameters);
    }
    const plain = await decryptBytes(await fetchRemote(url, env), remoteFileName(url), { ...args.common, extract: args.extract, warn });
    if (args.terraform) await writeStdout(`{"content_base64":"${Buffer.from(plain).toString('base64')}"}`);
    else if (mode === 'decrypt' && args.output) {
      await writeAtomic(args.output, plain, 0o600);
      info(`Decrypted ${shown} to ${args.output}`);
    } else await writeStdout(plain);
    return 0;
  } catch (err) {
    return reportError(err);
  }
}

/**
 * decrypt / dec / view with a backend other than sops (noop, vals, a custom script), as helm-secrets runs them: the
 * file must exist and hold something for the backend ("File is not encrypted" otherwise); vals cannot write in
 * place; the plaintext goes where the command sends it (stdout, --output, FILE.dec), as with sops.
 */
async function decryptOther(mode: Mode, file: string, backend: Backend, args: FileCommandArgs, env: NodeJS.ProcessEnv): Promise<number> {
  const scratch = new Delivery('dir', env);
  try {
    const remote = isRemote(file, env);
    let bytes: Uint8Array;
    try {
      bytes = remote ? await fetchRemote(file, env) : await readInput(file);
    } catch (err) {
      throw isMissingFile(err) ? OwnCheck.missing(file) : err;
    }
    const inPlace = mode === 'decrypt' && args.inPlace && !args.terraform;
    if (inPlace && remote) throw new SopsError(`${redactUrl(file)}: a URL cannot be decrypted in place; use decrypt (stdout) or --output FILE`, ExitCode.ConflictingParameters);
    if (inPlace && backend.kind === 'noop') return 0; // noop's in-place decryption leaves the file as it is
    if (inPlace && backend.kind === 'vals') throw Unsupported.valsInPlace();
    const name = remote ? remoteFileName(file) : file;
    const plain = await decryptWithBackend(backend, bytes, name, remote ? undefined : file, 'auto', env, async () => scratch.privateDir());
    if (!plain) throw OwnCheck.notEncrypted(file);
    if (args.terraform) await writeStdout(`{"content_base64":"${Buffer.from(plain).toString('base64')}"}`);
    else if (inPlace) {
      await withFileLock(file, lockOptions(env, 'decrypt -i'), () => writeAtomic(file, plain));
      info(`Decrypted ${file} in place: it is now PLAINTEXT on disk`);
    } else if (mode === 'dec' && !remote) {
      const target = args.output ?? decPath(file, env);
      await writeDec(target, args.output !== undefined, plain);
      info(`Decrypted ${file} to ${target}: this is PLAINTEXT on disk; remove it when done (helm secrets clean)`);
    } else if (args.output) {
      await writeAtomic(args.output, plain, 0o600);
      info(`Decrypted ${file} to ${args.output}`);
    } else await writeStdout(plain);
    return 0;
  } catch (err) {
    return reportError(err);
  } finally {
    scratch.wipe();
  }
}
