// Finds and removes the private directories of runs that were killed (SIGKILL, power loss) before they could
// wipe them. Each directory holds a lock file naming its process; a directory whose process is gone is stale, and
// so is one whose lock was cut short (empty or half-written) more than a minute ago.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { isAlive, lockContent, readLockFile, type LockRead } from '../lock.js';
import { DIR_PREFIX, LOCK_FILE, privateSearchRoots } from '../privatedir.js';

export { lockContent, DIR_PREFIX, LOCK_FILE };

/** Roots searched by default: every place the wrapper and edit may put a private directory (src/privatedir.ts). */
export function defaultRoots(env: NodeJS.ProcessEnv = process.env): string[] {
  return privateSearchRoots(env);
}

/** A lock file this old that still names no process was cut short: its run was killed while creating it. */
export const CUT_LOCK_AGE_MS = 60_000;

/**
 * Removes every `helm-secrets-*` directory under the roots whose lock file names a process that no longer runs,
 * or whose lock names none (empty or cut short: the run was killed, or its disk was full, between creating the
 * file and writing it) and is over a minute old: a live run writes its lock the moment it makes the directory.
 * A directory without a lock is left alone (it may be another tool's, or being created right now), and so is one
 * that is not ours. Returns how many were removed.
 */
export async function cleanStaleDirs(roots: string[] = defaultRoots(), now: number = Date.now()): Promise<number> {
  let removed = 0;
  for (const root of roots) {
    let names: string[];
    try {
      names = await fs.readdir(root);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!name.startsWith(DIR_PREFIX)) continue;
      const dir = join(root, name);
      const lock = await readLock(dir);
      if (!lock) continue;
      if (lock.holder) {
        if (lock.holder.pid === process.pid || isAlive(lock.holder.pid, lock.holder.start)) continue;
      } else if (now - lock.mtimeMs <= CUT_LOCK_AGE_MS) continue;
      await fs.rm(dir, { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}

const ours = (uid: number) => process.getuid === undefined || uid === process.getuid();

/**
 * The lock of a directory of ours, or undefined when there is none, or when the directory or the lock is not ours or
 * not a lock (src/lock.ts readLockFile): a shared temp dir may hold another user's `helm-secrets-*`, and a FIFO
 * there must not make every run wait.
 */
async function readLock(dir: string): Promise<LockRead | undefined> {
  try {
    const d = await fs.lstat(dir);
    if (!d.isDirectory() || !ours(d.uid)) return undefined;
    const lock = await readLockFile(join(dir, LOCK_FILE));
    return lock && ours(lock.uid) ? lock : undefined;
  } catch {
    return undefined;
  }
}
