// The merge driver's core: open base, ours and theirs, merge the decrypted trees by path, and seal the result
// with one side's data key so unchanged values (from either side) keep their exact ciphertext.
import { openEncrypted, sealTree, type CommonOptions, type OpenedFile } from '../engine.js';
import { IvStash } from '../sops/cipher.js';
import type { Metadata } from '../sops/metadata.js';
import type { Branches } from '../sops/tree.js';
import { newer } from './change.js';
import { sameKeyGroups } from './keydiff.js';
import { mergeBranches, type Conflict } from './merge.js';
import { branchesEqual, cloneBranches } from './treeops.js';

/** Looks an IV up in the first stash, then the second: both sides' unchanged values keep their ENC strings. */
class ChainedStash extends IvStash {
  constructor(private readonly stashes: IvStash[]) {
    super();
  }
  override lookup(aad: string, type: string, plain: Uint8Array): Uint8Array | undefined {
    for (const s of this.stashes) {
      const iv = s.lookup(aad, type, plain);
      if (iv) return iv;
    }
    return undefined;
  }
}

export interface DriverResult {
  /** The bytes for the tracked file: always a complete, valid encrypted file. */
  bytes: Uint8Array;
  conflicts: Conflict[];
  /** Which side's data key the result uses. */
  keySide: 'ours' | 'theirs';
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

/**
 * Merges three versions of one encrypted file. `base` is empty when the file was added on both sides.
 * The data key is ours unless only their side rotated it; key groups follow the side that changed them.
 * At a conflict the result holds our value.
 */
export async function mergeEncrypted(
  files: { base: Uint8Array; ours: Uint8Array; theirs: Uint8Array },
  path: string,
  opts: CommonOptions,
): Promise<DriverResult> {
  const ours = await openEncrypted(files.ours, path, opts);
  const theirs = await openEncrypted(files.theirs, path, opts);
  const base: OpenedFile | null = files.base.length ? await openEncrypted(files.base, path, opts) : null;
  const keep = { ours: cloneBranches(ours.branches), theirs: cloneBranches(theirs.branches) };

  const sameKey = sameBytes(ours.dataKey, theirs.dataKey);
  const theirsRotated = !sameKey && base !== null && sameBytes(base.dataKey, ours.dataKey);
  const primary = theirsRotated ? theirs : ours;
  const keySide = theirsRotated ? 'theirs' : 'ours';
  const md: Metadata = { ...primary.metadata };
  if (sameKey && base && sameKeyGroups(ours.metadata.keyGroups, base.metadata.keyGroups) && !sameKeyGroups(theirs.metadata.keyGroups, base.metadata.keyGroups)) {
    // Their side ran updatekeys: same data key, so their entries are valid here.
    md.keyGroups = theirs.metadata.keyGroups;
    md.shamirThreshold = theirs.metadata.shamirThreshold;
  }
  if (newer(theirs.metadata.version, md.version)) md.version = theirs.metadata.version;

  const { branches, conflicts } = mergeBranches(base ? base.branches : [], ours.branches, theirs.branches);
  const metaIsOurs = md.keyGroups === ours.metadata.keyGroups && keySide === 'ours';
  const metaIsTheirs = keySide === 'theirs' || md.keyGroups === theirs.metadata.keyGroups;
  if (conflicts.length === 0 && metaIsOurs && branchesEqual(branches, keep.ours)) return { bytes: files.ours, conflicts, keySide };
  if (conflicts.length === 0 && metaIsTheirs && !metaIsOurs && branchesEqual(branches, keep.theirs)) return { bytes: files.theirs, conflicts, keySide };

  const stashes = sameKey ? [primary.stash, (primary === ours ? theirs : ours).stash] : [primary.stash];
  const toSeal: Branches = cloneBranches(branches);
  const bytes = sealTree(toSeal, primary.store, md, primary.dataKey, new ChainedStash(stashes));
  return { bytes, conflicts, keySide };
}
