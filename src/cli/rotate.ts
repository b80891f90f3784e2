// rotate FILE...: a new data key, every value re-encrypted under it with fresh IVs, a new MAC; master keys can be
// added (--add-age …, to the first key group) or removed (--rm-age …, from every group) on the way, as in sops.
import { randomBytes } from 'node:crypto';
import { openEncrypted, sealTree } from '../engine.js';
import { ExitCode, SopsError, asSopsError } from '../errors.js';
import { readInput, writeAtomic } from '../io.js';
import type { KeySpec } from '../keys/types.js';
import { SOPS_COMPAT_VERSION } from '../sops/metadata.js';
import { newer } from '../edit/change.js';
import { extractFlags } from '../edit/cmdargs.js';
import { specOf } from '../edit/keydiff.js';
import { keyIdentity } from '../sops/keyentry.js';
import { keyFlags, keySummary as keyLabel } from '../keys/registry.js';
import { parseFileCommand } from './args.js';
import { info, lockOptions, reportError, setQuiet, warn, writeStdout } from './console.js';
import { withFileLock } from '../lock.js';
import { registerHelp } from './help.js';

/** `  --add-age R, --add-pgp FP, ...`: the key flags of the kinds that can encrypt, with `prefix`. */
function keyFlagList(prefix: string): string {
  return `  ${keyFlags()
    .filter((f) => f.supported)
    .map((f) => `--${prefix}-${f.name} ${f.valueName}`)
    .join(', ')}`;
}

export const HELP = `Usage: helm secrets rotate [options] FILE...
Generates a new data key, re-encrypts every value with it (fresh IVs) and wraps it for the file's master keys,
so a removed recipient that kept an old copy of the data key cannot read future versions.
FILE is rewritten in place (atomically); --output FILE writes elsewhere, --stdout prints the result.
${keyFlagList('add')}
                        add master keys (to the first key group)
${keyFlagList('rm')}
                        remove master keys (from every key group)
  --ignore-mac, --input-type, --config, --decryption-order, -q/--quiet   as for the other file commands
Differs from sops, which prints to stdout unless -i is given: here -i is the default.`;

registerHelp('rotate', HELP);

const FLAGS = [
  ...keyFlags().flatMap(({ name: k }) => [
    { name: `add-${k}`, value: true },
    { name: `rm-${k}`, value: true },
  ]),
  { name: 'stdout', value: false },
];

async function specsFor(values: Map<string, string[]>, prefix: 'add' | 'rm', env: NodeJS.ProcessEnv): Promise<KeySpec[]> {
  const { keySpecsFromFlags } = await import('../config/config.js');
  const get = (k: string) => values.get(`${prefix}-${k}`);
  // Environment fallbacks must not leak in: only what was given on the command line counts.
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (!k.startsWith('SOPS_')) clean[k] = v;
  return (
    keySpecsFromFlags(
      { keys: Object.fromEntries(keyFlags().map((f) => [f.name, get(f.name)])) },
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

export async function run(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  try {
    const extra = extractFlags(argv, FLAGS);
    const args = parseFileCommand(extra.rest, env, 'rotate');
    if (args.help) {
      process.stdout.write(HELP + '\n');
      return 0;
    }
    if (args.quiet) setQuiet(true);
    if (args.files.length === 0) throw new SopsError('rotate: no file specified', ExitCode.NoFileSpecified);
    if (args.output && args.files.length > 1) throw new SopsError('--output takes exactly one input file', ExitCode.ConflictingParameters);
    const runEnv = args.common.env ?? env;
    const add = await specsFor(extra.values, 'add', runEnv);
    const rm = new Set((await specsFor(extra.values, 'rm', runEnv)).map(keyIdentity));
    let code = 0;
    const changesKeys = [...extra.values].some(([k, vs]) => (k.startsWith('add-') || k.startsWith('rm-')) && vs.some((v) => v !== ''));
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
      const { wrapDataKey } = await import('../keys/datakey.js');
      const dataKey = randomBytes(32);
      const wrapped = await wrapDataKey(dataKey, after, md.shamirThreshold || undefined, { env: runEnv, timeoutMs: args.common.keyTimeoutMs });
      const newMd = { ...md, keyGroups: wrapped.keyGroups, shamirThreshold: wrapped.shamirThreshold, version: newer(SOPS_COMPAT_VERSION, md.version) ? SOPS_COMPAT_VERSION : md.version };
      // No IV stash: under a new key every value gets a fresh IV.
      const out = sealTree(opened.branches, opened.store, newMd, dataKey);
      if (extra.bools.has('stdout')) await writeStdout(out);
      else {
        await writeAtomic(args.output ?? file, out);
        info(`${file}: rotated (new data key, every value re-encrypted)${args.output ? ` into ${args.output}` : ''}`);
      }
    };
    for (const file of args.files) {
      try {
        // In place: read, re-encrypt and write back under the file's lock.
        if (!extra.bools.has('stdout') && !args.output) await withFileLock(file, lockOptions(runEnv, 'rotate'), () => rotateOne(file));
        else await rotateOne(file);
      } catch (err) {
        const c = reportError(asSopsError(err), file);
        if (code === 0) code = c;
      }
    }
    return code;
  } catch (err) {
    return reportError(err);
  }
}
