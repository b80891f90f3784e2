// decrypt (helm-secrets 4: stdout, -i, --output), dec (helm-secrets 2/3: writes FILE.dec, 0600) and view (stdout).
// Plaintext goes to stdout or to the one file the user asked for; nowhere else.
import { basename, dirname, join } from 'node:path';
import { decryptBytes, isSopsEncrypted } from '../engine.js';
import { readInput, writeAtomic } from '../io.js';
import { ExitCode, OwnCheck, SopsError, isMissingFile } from '../errors.js';
import { decSuffix } from '../helm/resolve.js';
import { storeOfContent } from '../sops/store.js';
import type { FileCommandArgs } from './args.js';
import { info, lockOptions, reportError, warn, writeStdout } from './console.js';
import { withFileLock } from '../lock.js';
import { fetchRemote, isRemote, remoteFileName } from '../helm/remote.js';
import { redactUrl } from '../redact.js';

export function decPath(file: string, env: NodeJS.ProcessEnv): string {
  const prefix = env.HELM_SECRETS_DEC_PREFIX ?? '';
  const suffix = decSuffix(env);
  return join(dirname(file), `${prefix}${basename(file)}${suffix}`);
}

type Mode = 'decrypt' | 'dec' | 'view';

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
  return { bytes, inputType: args.common.inputType ?? storeOfContent(bytes) };
}

export async function runDecrypt(mode: Mode, args: FileCommandArgs): Promise<number> {
  if (args.files.length === 0) return reportError(OwnCheck.noFile());
  if (args.output && args.files.length > 1) {
    return reportError(new SopsError('--output takes exactly one input file', ExitCode.ConflictingParameters));
  }
  if (args.terraform && args.files.length > 1) {
    return reportError(new SopsError('--terraform takes exactly one input file', ExitCode.ConflictingParameters));
  }
  const env = args.common.env ?? process.env;
  let code = 0;
  for (const file of args.files) {
    if (isRemote(file, env)) {
      code = (await decryptRemote(mode, file, args, env)) || code;
      continue;
    }
    try {
      if (mode === 'decrypt' && args.inPlace && !args.terraform) {
        // Read, decrypt and write back under the file's lock, so a concurrent change is not lost.
        await withFileLock(file, lockOptions(env, 'decrypt -i'), async () => {
          const { bytes, inputType } = await readEncrypted(file, args);
          const plain = await decryptBytes(bytes, file, { ...args.common, inputType, extract: args.extract, warn });
          await writeAtomic(file, plain);
        });
        info(`Decrypted ${file} in place: it is now PLAINTEXT on disk`);
        continue;
      }
      const { bytes, inputType } = await readEncrypted(file, args);
      const plain = await decryptBytes(bytes, file, { ...args.common, inputType, extract: args.extract, warn });
      if (args.terraform) {
        // As helm-secrets prints it (no newline), for `data "external"`: the plaintext goes to stdout only, as with
        // a plain decrypt; -i and --output are ignored, as there.
        await writeStdout(`{"content_base64":"${Buffer.from(plain).toString('base64')}"}`);
      } else if (mode === 'dec') {
        const target = args.output ?? decPath(file, env);
        await writeAtomic(target, plain, 0o600);
        info(`Decrypted ${file} to ${target}: this is PLAINTEXT on disk; remove it when done (helm secrets clean)`);
      } else if (mode === 'decrypt' && args.output) {
        await writeAtomic(args.output, plain, 0o600);
        info(`Decrypted ${file} to ${args.output}`);
      } else {
        await writeStdout(plain);
      }
    } catch (err) {
      const c = reportError(err, file);
      if (code === 0) code = c;
    }
  }
  return code;
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
