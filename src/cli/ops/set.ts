// set FILE PATH VALUE and unset FILE PATH: change one path of an encrypted file. Only the changed value gets a
// new ciphertext (plus lastmodified and the MAC); when nothing changes the file is left byte-identical.
import { readAllStdin, readInput } from '../../io.js';
import { ExitCode, SopsError } from '../../errors.js';
import { JsonStore } from '../../sops/stores/json.js';
import { Mapping, type Value } from '../../sops/tree.js';
import { parseTreePath, type PathStep } from '../../sops/treepath.js';
import { outputStoreFor } from '../../engine.js';
import { commit, openSession, seal, sealIfChanged } from '../../edit/change.js';
import { PathNotFound, setPath, unsetPath } from '../../edit/treeops.js';
import type { FileCommandArgs } from '../args.js';
import { info, lockOptions, reportError, warn } from '../console.js';
import { withFileLock } from '../../lock.js';


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

export async function runSet(args: FileCommandArgs, env: NodeJS.ProcessEnv): Promise<number> {
  let file: string | undefined;
  try {
    const fromStdin = args.values['value-stdin'] === true;
    const fromFile = args.values['value-file'] === true;
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
    if (fromStdin) text = (await readAllStdin()).toString('utf8');
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
      const sealed = converting && (!args.values.idempotent) ? seal(session, session.opened.branches) : sealIfChanged(session, session.opened.branches);
      if (sealed) await commit(target, sealed);
      return !!sealed;
    });
    info(changed ? `${file}: value set` : `${file}: value unchanged, file not written`);
    return 0;
  } catch (err) {
    return reportError(err, file);
  }
}

export async function runUnset(args: FileCommandArgs, env: NodeJS.ProcessEnv): Promise<number> {
  let file: string | undefined;
  try {
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
        if (err instanceof PathNotFound && args.values.idempotent === true) return false;
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
