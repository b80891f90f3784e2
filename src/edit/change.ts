// Changing the values of an encrypted file with minimal diffs: decrypt with the IV stash, change the tree,
// and re-seal with the same data key only when the plaintext tree really changed (else the file stays byte-identical).
import { openEncrypted, sealProblem, sealTree, type CommonOptions, type OpenedFile } from '../engine.js';
import { ExitCode, SopsError } from '../errors.js';
import { readInput, writeAtomic } from '../io.js';
import { SOPS_COMPAT_VERSION } from '../sops/metadata.js';
import type { Store } from '../sops/store.js';
import type { Branches } from '../sops/tree.js';
import { branchesEqual, cloneBranches } from './treeops.js';

export interface Session {
  opened: OpenedFile;
  /** The file as read; written back only if the tree changes. */
  original: Uint8Array;
  /** The decrypted tree as opened, kept apart from `opened.branches` (which callers may change). */
  pristine: Branches;
  /** The store that writes the file back (set/unset --output-type); the file's own store when absent. */
  output?: Store;
}

export async function openSession(path: string, common: CommonOptions): Promise<Session> {
  const original = await readInput(path);
  const opened = await openEncrypted(original, path, common);
  return { opened, original, pristine: cloneBranches(opened.branches) };
}

/** Semver a > b for plain MAJOR.MINOR.PATCH strings; anything unparsable never counts as newer. */
export function newer(a: string, b: string): boolean {
  const pa = /^(\d+)\.(\d+)\.(\d+)/.exec(a);
  const pb = /^(\d+)\.(\d+)\.(\d+)/.exec(b);
  if (!pa) return false;
  if (!pb) return true;
  for (let i = 1; i <= 3; i++) {
    if (Number(pa[i]) !== Number(pb[i])) return Number(pa[i]) > Number(pb[i]);
  }
  return false;
}

/**
 * Seals `branches` with the session's data key and stash; unchanged values keep their ENC strings.
 * Returns null when the tree equals the one opened: nothing to write.
 */
export function sealIfChanged(s: Session, branches: Branches): Uint8Array | null {
  if (branchesEqual(branches, s.pristine)) return null;
  return seal(s, branches);
}

/** Seals `branches` unconditionally (the caller has decided the tree changed). */
export function seal(s: Session, branches: Branches): Uint8Array {
  const store = s.output ?? s.opened.store;
  const problem = sealProblem(store.name, branches);
  if (problem?.kind === 'reserved') {
    // sops's set checks the tree with validateFileForEncryption, which answers FileAlreadyEncrypted (203).
    throw new SopsError(`the key '${problem.key}' is reserved for SOPS metadata and cannot be used in the data`, ExitCode.FileAlreadyEncrypted);
  }
  if (problem) throw new SopsError('the file has no document to encrypt', ExitCode.NeedAtLeastOneDocument);
  const md = { ...s.opened.metadata };
  // Like sops: the version is raised only when this writer is newer than the one that wrote the file.
  if (newer(SOPS_COMPAT_VERSION, md.version)) md.version = SOPS_COMPAT_VERSION;
  return sealTree(branches, store, md, s.opened.dataKey, s.opened.stash);
}

/** Writes the sealed bytes over the file atomically (its mode kept). */
export async function commit(path: string, bytes: Uint8Array): Promise<void> {
  await writeAtomic(path, bytes);
}
