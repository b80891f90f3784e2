// groups add / groups delete (sops): add a key group made of the given master keys, or delete the group at an index.
// The data key stays; it is wrapped again for the new groups (split with Shamir when there are several), and the
// values, the MAC and lastmodified stay as they are. The result goes to stdout, or back into FILE with -i.
import { openEncrypted, type CommonOptions } from '../../engine.js';
import { ExitCode, SopsError } from '../../errors.js';
import { readInput, writeAtomic } from '../../io.js';
import type { KeySpec } from '../../keys/types.js';
import { specOf } from '../../edit/keydiff.js';
import { withFileLock } from '../../lock.js';
import { info, lockOptions, warn } from '../console.js';
import { writeStdout } from '../../stdio.js';
import { rewrap, withMetadata } from './updatekeys.js';

export type GroupChange = { op: 'add'; keys: KeySpec[] } | { op: 'delete'; index: number };

export interface GroupsOptions {
  inPlace: boolean;
  /** --shamir-secret-sharing-threshold: the new threshold (0: keep the file's, or the default). */
  threshold?: number;
  common: CommonOptions;
}

/** The file's bytes after the change. */
export async function changeGroups(file: string, bytes: Uint8Array, change: GroupChange, o: GroupsOptions): Promise<Uint8Array> {
  const opened = await openEncrypted(bytes, file, { ...o.common, stash: false, warn });
  const md = opened.metadata;
  const groups: KeySpec[][] = md.keyGroups.map((g) => g.map(specOf));
  if (change.op === 'add') {
    if (change.keys.length === 0) throw new SopsError('groups add: no master keys given for the new group (--age, --pgp, ...)', ExitCode.NoEncryptionKeyFound);
    groups.push(change.keys);
  } else {
    if (change.index >= groups.length) {
      throw new SopsError(`groups delete: there is no key group ${change.index} (the file has ${groups.length}, numbered from 0)`, ExitCode.Generic);
    }
    groups.splice(change.index, 1);
  }
  let threshold = o.threshold || md.shamirThreshold;
  if (groups.length < threshold) {
    throw new SopsError(
      `removing this key group will make the Shamir threshold impossible to satisfy: Shamir threshold is ${threshold}, but we only have ${groups.length} key groups`,
      ExitCode.Generic,
    );
  }
  if (groups.length <= 1) threshold = 0;
  const plan = { groups, threshold, diffs: [], changes: true };
  const keyGroups = await rewrap(opened.dataKey, md, plan, { env: o.common.env ?? process.env, timeoutMs: o.common.keyTimeoutMs });
  const shamirThreshold = keyGroups.length > 1 ? threshold || keyGroups.length : 0;
  return withMetadata(opened.store, bytes, { ...md, keyGroups, shamirThreshold });
}

/** groups add/delete on FILE: printed, or written back under FILE's lock with -i. */
export async function runGroups(file: string, change: GroupChange, o: GroupsOptions): Promise<number> {
  const env = o.common.env ?? process.env;
  if (!o.inPlace) {
    await writeStdout(await changeGroups(file, await readInput(file), change, o));
    return 0;
  }
  await withFileLock(file, lockOptions(env, `groups ${change.op}`), async () => {
    await writeAtomic(file, await changeGroups(file, await readInput(file), change, o));
  });
  info(change.op === 'add' ? `${file}: key group added` : `${file}: key group ${change.index} deleted`);
  return 0;
}
