// encrypt (helm-secrets 4: stdout, -i, --output) and enc (helm-secrets 2/3: in place, or from FILE.dec into FILE).
// Writes are atomic: the input is either untouched or fully replaced by the encrypted file.
import { existsSync } from 'node:fs';
import { encryptBytes, isSopsEncrypted } from '../../engine.js';
import { openSession, sealIfChanged } from '../../edit/change.js';
import { readInput, writeAtomic } from '../../io.js';
import { ExitCode, OwnCheck, SopsError, asSopsError, isMissingFile } from '../../errors.js';
import type { FileCommandArgs } from '../args.js';
import { decPath } from './decrypt.js';
import { info, lockOptions, reportError } from '../console.js';
import { writeStdout } from '../../stdio.js';
import { withFileLock } from '../../lock.js';
import { verboseLog } from '../../log.js';
import { eachFile } from '../command.js';
import { checkStdinUse, readStdinInput, readsStdin } from './stdin.js';
import { basename, dirname, resolve } from 'node:path';
import { Unsupported, hasValsRef, defaultBackend, type Backend } from '../../helm/backends.js';
import { callCustom, customIsFileEncrypted } from '../../helm/custombackend.js';

export async function runEncrypt(mode: 'encrypt' | 'enc', args: FileCommandArgs): Promise<number> {
  // sops needs the name for the creation rule and the format: without --filename-override, no FILE stays
  // helm-secrets' "secrets file required".
  if ((args.files.length === 0 && args.filenameOverride !== undefined && readsStdin(args.files)) || (args.files.length === 1 && args.files[0] === '-')) {
    try {
      return await encryptStdin(mode, args);
    } catch (err) {
      return reportError(err);
    }
  }
  if (args.files.length === 0) return reportError(OwnCheck.noFile());
  if (args.output && args.files.length > 1) {
    return reportError(new SopsError('--output takes exactly one input file', ExitCode.ConflictingParameters));
  }
  const env = args.common.env ?? process.env;
  const backend = defaultBackend(env);
  if (backend.kind !== 'sops') {
    let code = 0;
    for (const file of args.files) code = (await encryptOther(file, backend, args, env).catch((err: unknown) => reportError(err, file))) || code;
    return code;
  }
  const name = (file: string) => args.filenameOverride ?? file;
  const one = async (file: string): Promise<void> => {
    // helm-secrets 2/3: `enc secrets.yaml` encrypts secrets.yaml.dec into secrets.yaml when it exists.
    const dec = decPath(file, env);
    const source = mode === 'enc' && !args.output && existsSync(dec) ? dec : file;
    let bytes: Uint8Array;
    try {
      bytes = await readInput(source);
    } catch (err) {
      throw isMissingFile(err) ? OwnCheck.missing(source) : err;
    }
    // helm-secrets' own check: an encrypted FILE is not encrypted again (its values would be sealed twice).
    if (source === file && isSopsEncrypted(bytes)) throw OwnCheck.alreadyEncrypted(file);
    if (source !== file && existsSync(file) && isSopsEncrypted(await readInput(file))) {
      // FILE is already encrypted: keep its data key and master keys, and the ciphertext of every value
      // that did not change, so the git diff shows only what was edited in FILE.dec.
      const session = await openSession(file, { ...args.common, warn: undefined });
      let branches;
      try {
        branches = session.opened.store.loadPlain(bytes);
      } catch (err) {
        throw asSopsError(err, ExitCode.CouldNotReadInputFile, source);
      }
      const sealed = sealIfChanged(session, branches);
      if (sealed) await writeAtomic(file, sealed);
      info(sealed ? `Encrypted ${source} to ${file}` : `${file} unchanged: ${source} holds the same values`);
      return;
    }
    const enc = await encryptBytes(bytes, name(file), { ...args.common, flags: args.flags });
    if (mode === 'enc' || args.inPlace) {
      await writeAtomic(file, enc);
      verboseLog('CMD', 'File written successfully');
      // encrypt -i is silent on success, as helm-secrets and sops are (scripts check its output is empty).
      if (mode === 'enc') info(source === file ? `Encrypted ${file}` : `Encrypted ${source} to ${file}`);
    } else if (args.output) {
      await writeAtomic(args.output, enc);
      info(`Encrypted ${file} to ${args.output}`);
    } else {
      await writeStdout(enc);
    }
  };
  // enc and -i read FILE (or FILE.dec) and write FILE: under FILE's lock, so a concurrent change is not lost.
  return eachFile(args.files, (file) =>
    mode === 'enc' || args.inPlace ? withFileLock(file, lockOptions(env, mode === 'enc' ? 'enc' : 'encrypt -i'), () => one(file)) : one(file),
  );
}

/** Plaintext on stdin, encrypted for the creation rule that --filename-override's name matches, to stdout or --output. */
export async function encryptStdin(mode: 'encrypt' | 'enc', args: FileCommandArgs): Promise<number> {
  checkStdinUse({ inPlace: args.inPlace || mode === 'enc' });
  if (args.filenameOverride === undefined) {
    throw new SopsError('Error: must specify --filename-override when reading from stdin', ExitCode.ConflictingParameters);
  }
  const bytes = await readStdinInput();
  const name = args.filenameOverride;
  if (isSopsEncrypted(bytes)) throw OwnCheck.alreadyEncrypted('stdin');
  const enc = await encryptBytes(bytes, name, { ...args.common, flags: args.flags });
  if (args.output) {
    await writeAtomic(args.output, enc);
    info(`Encrypted stdin to ${args.output}`);
  } else await writeStdout(enc);
  return 0;
}

/**
 * encrypt with another backend, as helm-secrets does: a file the backend already finds something in is "Already
 * encrypted" (always, for noop); noop and vals cannot encrypt; a custom script's _custom_backend_encrypt_file runs in
 * the file's directory and writes the file (-i), --output, or stdout.
 */
async function encryptOther(file: string, backend: Backend, args: FileCommandArgs, env: NodeJS.ProcessEnv): Promise<number> {
  let bytes: Uint8Array;
  try {
    bytes = await readInput(file);
  } catch (err) {
    throw isMissingFile(err) ? OwnCheck.missing(file) : err;
  }
  if (backend.kind === 'noop') throw OwnCheck.alreadyEncrypted(basename(file));
  if (backend.kind === 'vals') throw hasValsRef(bytes) ? OwnCheck.alreadyEncrypted(basename(file)) : Unsupported.encrypt();
  const path = resolve(file);
  if (await customIsFileEncrypted(backend, path, { env })) throw OwnCheck.alreadyEncrypted(basename(file));
  const output = args.inPlace ? basename(path) : args.output ? resolve(args.output) : '';
  return (await callCustom(backend, 'encrypt_file', ['yaml', basename(path), output], { env, cwd: dirname(path), interactive: true })).code;
}
