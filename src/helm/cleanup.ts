// Finds and removes the private directories of runs that were killed (SIGKILL, power loss) before they could
// wipe them. Each directory holds a lock file naming its process; a directory whose process is gone is stale.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { isAlive, lockContent } from '../lock.js';
import { DIR_PREFIX, LOCK_FILE, privateSearchRoots } from '../privatedir.js';

export { lockContent, DIR_PREFIX, LOCK_FILE };

/** Roots searched by default: every place the wrapper and edit may put a private directory (src/privatedir.ts). */
export function defaultRoots(env: NodeJS.ProcessEnv = process.env): string[] {
  return privateSearchRoots(env);
}

/**
 * Removes every `helm-secrets-*` directory under the roots whose lock file names a process that no longer runs
 * (a directory without a readable lock is left alone: it may be another tool's, or being created right now).
 * Returns how many were removed.
 */
export async function cleanStaleDirs(roots: string[] = defaultRoots()): Promise<number> {
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
      let lock: { pid?: unknown; start?: unknown };
      try {
        lock = JSON.parse(await fs.readFile(join(dir, LOCK_FILE), 'utf8')) as typeof lock;
      } catch {
        continue;
      }
      if (typeof lock.pid !== 'number') continue;
      if (lock.pid === process.pid || isAlive(lock.pid, typeof lock.start === 'string' ? lock.start : null)) continue;
      await fs.rm(dir, { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}
