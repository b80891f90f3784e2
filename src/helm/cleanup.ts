// Finds and removes the private directories of runs that were killed (SIGKILL, power loss) before they could
// wipe them. Each directory holds a lock file naming its process; a directory whose process is gone is stale, and
// so is one whose lock was cut short (empty or half-written) more than a minute ago.
import { constants as fsc, promises as fs, type Stats } from 'node:fs';
import { join } from 'node:path';
import { isAlive, lockContent } from '../lock.js';
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
      if (lock.pid !== undefined) {
        if (lock.pid === process.pid || isAlive(lock.pid, lock.start)) continue;
      } else if (now - lock.mtimeMs <= CUT_LOCK_AGE_MS) continue;
      await fs.rm(dir, { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}

const ours = (st: Stats) => process.getuid === undefined || st.uid === process.getuid();

/**
 * The lock of a directory of ours: its process (pid undefined when the file names none) and the file's age.
 * Undefined when there is no lock, or when the directory or the lock is not ours or not what it should be: a
 * shared temp dir may hold another user's `helm-secrets-*`, and a FIFO there must not make every run wait.
 */
async function readLock(dir: string): Promise<{ pid?: number; start: string | null; mtimeMs: number } | undefined> {
  let handle: fs.FileHandle | undefined;
  try {
    const d = await fs.lstat(dir);
    if (!d.isDirectory() || !ours(d)) return undefined;
    handle = await fs.open(join(dir, LOCK_FILE), fsc.O_RDONLY | fsc.O_NONBLOCK | fsc.O_NOFOLLOW);
    const st = await handle.stat();
    if (!st.isFile() || !ours(st) || st.size > 4096) return undefined;
    const text = (await handle.readFile('utf8'));
    return { ...parseLock(text), mtimeMs: st.mtimeMs };
  } catch {
    return undefined;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

function parseLock(text: string): { pid?: number; start: string | null } {
  let lock: unknown;
  try {
    lock = JSON.parse(text);
  } catch {
    return { start: null };
  }
  if (typeof lock !== 'object' || lock === null || typeof (lock as { pid?: unknown }).pid !== 'number') return { start: null };
  const { pid, start } = lock as { pid: number; start?: unknown };
  return { pid, start: typeof start === 'string' ? start : null };
}
