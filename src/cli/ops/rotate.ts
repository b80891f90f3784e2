// rotate FILE...: a new data key, every value re-encrypted under it with fresh IVs, a new MAC; master keys can be
// added (--add-age …, to the first key group) or removed (--rm-age …, from every group) on the way, as in sops.
import { randomBytes } from 'node:crypto';
import { openEncrypted, sealTree } from '../../engine.js';
import { ExitCode, SopsError, asSopsError } from '../../errors.js';
import { readInput, writeAtomic } from '../../io.js';
import type { KeySpec } from '../../keys/types.js';
import { SOPS_COMPAT_VERSION } from '../../sops/metadata.js';
import { newer } from '../../edit/change.js';
import { specOf } from '../../edit/keydiff.js';
import { keyIdentity } from '../../sops/keyentry.js';
import { keyFlags, keySummary as keyLabel } from '../../keys/registry.js';
import type { FileCommandArgs } from '../args.js';
import { eachFile } from '../command.js';
import { keyFlagOptions } from '../options.js';
import { expandFiles } from './tree.js';
import { info, lockOptions, warn } from '../console.js';
import { writeStdout } from '../../stdio.js';
import { withFileLock } from '../../lock.js';


/** Master keys named by `PREFIX-KIND` flags (rotate's --add-age, groups add's --age with an empty prefix). */
export async function specsFor(values: FileCommandArgs['values'], prefix: string, env: NodeJS.ProcessEnv, kmsOptions: { encryptionContext?: string; awsProfile?: string } = {}): Promise<KeySpec[]> {
  const { keySpecsFromFlags } = await import('../../config/config.js');
  const get = (k: string): string[] | undefined => {
    const v = values[prefix ? `${prefix}-${k}` : k];
    return Array.isArray(v) ? (v as string[]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean) : undefined;
  };
  // Environment fallbacks must not leak in: only what was given on the command line counts.
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (!k.startsWith('SOPS_')) clean[k] = v;
  return (
    keySpecsFromFlags(
      { keys: Object.fromEntries(keyFlags().map((f) => [f.name, get(f.name)])), ...kmsOptions },
      clean,
    ) ?? []
  );
}

/**
 * The file's bytes, with sops's exit codes for a missing file: 49 when keys were to be added or removed (sops points
 * to `edit` instead), else 2, as any unreadable input of rotate.
 */
async function readRotateInput(file: string, changesKeys: boolean): Promise<Uint8Array> {
  try {
    return await readInput(file);
  } catch (err) {
    const missing = err instanceof SopsError && err.code === ExitCode.NoFileSpecified;
    if (missing && changesKeys) {
      throw new SopsError('cannot add or remove keys on a non-existent file, use the `edit` subcommand instead', ExitCode.CannotChangeKeysFromNonExistentFile, file);
    }
    if (missing) throw new SopsError('file does not exist', ExitCode.CouldNotReadInputFile, file);
    throw err;
  }
}

/** rotate FILE... (directories with -r): a new data key for each file, each reported. */
export async function runRotate(args: FileCommandArgs, env: NodeJS.ProcessEnv): Promise<number> {
  const toStdout = args.values.stdout === true;
  if (args.files.length === 0) throw new SopsError('rotate: no file specified', ExitCode.NoFileSpecified);
  if (args.output && args.files.length > 1) throw new SopsError('--output takes exactly one input file', ExitCode.ConflictingParameters);
  const runEnv = args.common.env ?? env;
  const add = await specsFor(args.values, 'add', runEnv);
  const rm = new Set((await specsFor(args.values, 'rm', runEnv)).map(keyIdentity));
  const changesKeys = Object.keys(keyFlagOptions()).some((k) =>
    [`add-${k}`, `rm-${k}`].some((f) => Array.isArray(args.values[f]) && (args.values[f] as string[]).some((v) => v !== '')),
  );
  const rotateOne = async (file: string): Promise<void> => {
    const opened = await openEncrypted(await readRotateInput(file, changesKeys), file, { ...args.common, warn });
    const md = opened.metadata;
    const groups: KeySpec[][] = md.keyGroups.map((g) => g.map(specOf));
    const first = groups[0] ?? [];
    for (const s of add) if (!first.some((x) => keyIdentity(x) === keyIdentity(s))) first.push(s);
    const after = groups.map((g) => g.filter((s) => !rm.has(keyIdentity(s))));
    for (const [i, g] of after.entries()) {
      const removed = groups[i].filter((s) => rm.has(keyIdentity(s)));
      for (const s of removed) info(`${file}: removing ${keyLabel(s)}`);
      if (g.length === 0) throw new SopsError(`removing those keys would leave key group ${i + 1} empty`, ExitCode.NoEncryptionKeyFound);
    }
    const { wrapDataKey } = await import('../../keys/datakey.js');
    const dataKey = randomBytes(32);
    const wrapped = await wrapDataKey(dataKey, after, md.shamirThreshold || undefined, { env: runEnv, timeoutMs: args.common.keyTimeoutMs });
    const newMd = { ...md, keyGroups: wrapped.keyGroups, shamirThreshold: wrapped.shamirThreshold, version: newer(SOPS_COMPAT_VERSION, md.version) ? SOPS_COMPAT_VERSION : md.version };
    // No IV stash: under a new key every value gets a fresh IV.
    const out = sealTree(opened.branches, opened.store, newMd, dataKey);
    if (toStdout) await writeStdout(out);
    else {
      await writeAtomic(args.output ?? file, out);
      info(`${file}: rotated (new data key, every value re-encrypted)${args.output ? ` into ${args.output}` : ''}`);
    }
  };
  const files = await expandFiles(args.files, args.values.recursive === true, (f) => { info(`${f}: skipped, not a sops file`); });
  if (args.output && files.length > 1) throw new SopsError('--output takes exactly one input file', ExitCode.ConflictingParameters);
  return eachFile(files, async (file) => {
    try {
      // In place: read, re-encrypt and write back under the file's lock.
      if (!toStdout && !args.output) await withFileLock(file, lockOptions(runEnv, 'rotate'), () => rotateOne(file));
      else await rotateOne(file);
    } catch (err) {
      throw asSopsError(err);
    }
  });
}
