// set FILE PATH VALUE and unset FILE PATH: change one path of an encrypted file. Only the changed value gets a
// new ciphertext (plus lastmodified and the MAC); when nothing changes the file is left byte-identical.
import { readInput } from '../io.js';
import { ExitCode, SopsError } from '../errors.js';
import { JsonStore } from '../sops/stores/json.js';
import { Mapping, type Value } from '../sops/tree.js';
import { parseTreePath, type PathStep } from '../sops/treepath.js';
import { outputStoreFor } from '../engine.js';
import { commit, openSession, seal, sealIfChanged } from '../edit/change.js';
import { extractFlags } from '../edit/cmdargs.js';
import { PathNotFound, setPath, unsetPath } from '../edit/treeops.js';
import { parseFileCommand } from './args.js';
import { info, lockOptions, reportError, setQuiet, warn } from './console.js';
import { withFileLock } from '../lock.js';
import { registerHelp } from './help.js';

export const HELP = `Usage: helm secrets set [options] FILE PATH VALUE
Sets one value of an encrypted file, e.g.  helm secrets set secrets.yaml '["db"]["password"]' '"s3cret"'
VALUE is JSON, as in sops: '"text"', 'true', '{"a": 1}', '[1, 2]'. A bare number is a float, as in sops
(inside an object or a list, integers stay integers). Missing keys are created; an index past the end appends.
Only the changed value is re-encrypted: every other ENC[...] string stays exactly as it was. When the value is
already there, the file is not written at all (unless --output-type changes its format).
  --value-file          VALUE is the name of a file holding the JSON value (keeps secrets out of 'ps')
  --value-stdin         read the JSON value from stdin (then VALUE is omitted)
  --idempotent          with --output-type: leave FILE as it is when the value is unchanged (without a format
                        change, an unchanged value never rewrites the file)
  --ignore-mac          do not verify the MAC before changing the file
  --input-type TYPE     yaml, json, dotenv, ini (default: from the extension)
  --output-type TYPE    rewrite FILE in that format (as sops does), also when the value is unchanged
                        unless --idempotent is given
  --config FILE, --decryption-order L, -q/--quiet   as for the other file commands
Exit 7 for a VALUE that is not JSON or a malformed PATH.`;

export const HELP_UNSET = `Usage: helm secrets unset [options] FILE PATH
Removes one key or list element from an encrypted file, e.g.  helm secrets unset secrets.yaml '["db"]["old"]'
The other values keep their exact ciphertext; only lastmodified and the MAC change.
  --idempotent          succeed without writing when PATH does not exist (else exit 1)
  --ignore-mac, --input-type, --output-type, --config, --decryption-order, -q   as for set`;

registerHelp('set', HELP);
registerHelp('unset', HELP_UNSET);

function treePath(text: string): PathStep[] {
  try {
    return parseTreePath(text);
  } catch (err) {
    throw new SopsError(`invalid tree path: ${(err as Error).message}`, ExitCode.InvalidSetFormat);
  }
}

/**
 * A JSON text as the value to insert, following sops: scalars keep their JSON type with every number a float
 * (Go decodes into float64); objects go through the JSON store, so their integers are ints and key order is kept.
 */
export function jsonToValue(text: string): Value {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SopsError('the value is not valid JSON (strings need quotes: \'"text"\')', ExitCode.InvalidSetFormat);
  }
  if (parsed === null || typeof parsed !== 'object') return parsed as Value;
  const store = new JsonStore();
  if (Array.isArray(parsed)) {
    // Lists are read as the value of a one-key object, so their elements get the JSON store's types.
    const doc = store.loadPlain(Buffer.from(`{"v":${text}}`, 'utf8'));
    return (doc[0].get('v') ?? []);
  }
  try {
    return store.loadPlain(Buffer.from(text, 'utf8'))[0] ?? new Mapping();
  } catch {
    throw new SopsError('invalid value: the JSON object could not be read', ExitCode.InvalidSetFormat);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const SET_FLAGS = [
  { name: 'value-file', value: false },
  { name: 'value-stdin', value: false },
  { name: 'idempotent', value: false },
];

export async function run(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let file: string | undefined;
  try {
    const extra = extractFlags(argv, SET_FLAGS);
    const args = parseFileCommand(extra.rest, env, 'set');
    if (args.help) {
      process.stdout.write(HELP + '\n');
      return 0;
    }
    if (args.quiet) setQuiet(true);
    const fromStdin = extra.bools.has('value-stdin');
    const fromFile = extra.bools.has('value-file');
    if (fromStdin && fromFile) throw new SopsError('cannot use both --value-file and --value-stdin', ExitCode.Generic);
    const want = fromStdin ? 2 : 3;
    if (args.files.length !== want) {
      throw new SopsError(
        fromStdin ? 'set needs FILE and PATH (the value comes from stdin)' : 'set needs FILE, PATH and VALUE',
        ExitCode.NoFileSpecified,
      );
    }
    file = args.files[0]!;
    const steps = treePath(args.files[1]);
    let text: string;
    if (fromStdin) text = await readStdin();
    else if (fromFile) {
      // A regular file only: --value-file /dev/zero or a FIFO must not hang the command.
      text = Buffer.from(await readInput(args.files[2])).toString('utf8');
    } else text = args.files[2]!;
    const value = jsonToValue(text);

    const target = file;
    const changed = await withFileLock(target, lockOptions(args.common.env ?? env, 'set'), async () => {
      const session = await openSession(target, { ...args.common, warn });
      session.output = await outputStoreFor(args.common, target, session.opened.store);
      const branch = session.opened.branches[0];
      if (!branch) throw new SopsError('the file has no document', ExitCode.NeedAtLeastOneDocument);
      setPath(branch, steps, value);
      // As sops: --output-type rewrites the file in that format, even for an unchanged value unless --idempotent.
      const converting = session.output !== session.opened.store;
      const sealed = converting && !extra.bools.has('idempotent') ? seal(session, session.opened.branches) : sealIfChanged(session, session.opened.branches);
      if (sealed) await commit(target, sealed);
      return !!sealed;
    });
    info(changed ? `${file}: value set` : `${file}: value unchanged, file not written`);
    return 0;
  } catch (err) {
    return reportError(err, file);
  }
}

export async function runUnset(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let file: string | undefined;
  try {
    const extra = extractFlags(argv, [{ name: 'idempotent', value: false }]);
    const args = parseFileCommand(extra.rest, env, 'unset');
    if (args.help) {
      process.stdout.write(HELP_UNSET + '\n');
      return 0;
    }
    if (args.quiet) setQuiet(true);
    if (args.files.length !== 2) throw new SopsError('unset needs FILE and PATH', ExitCode.NoFileSpecified);
    file = args.files[0]!;
    const steps = treePath(args.files[1]);
    const target = file;
    const removed = await withFileLock(target, lockOptions(args.common.env ?? env, 'unset'), async () => {
      const session = await openSession(target, { ...args.common, warn });
      session.output = await outputStoreFor(args.common, target, session.opened.store);
      const branch = session.opened.branches[0];
      if (!branch) throw new SopsError('the file has no document', ExitCode.NeedAtLeastOneDocument);
      try {
        unsetPath(branch, steps);
      } catch (err) {
        if (err instanceof PathNotFound && extra.bools.has('idempotent')) return false;
        throw err;
      }
      const sealed = sealIfChanged(session, session.opened.branches);
      if (sealed) await commit(target, sealed);
      return true;
    });
    info(removed ? `${file}: value removed` : `${file}: nothing to remove, file not written`);
    return 0;
  } catch (err) {
    return reportError(err, file);
  }
}
