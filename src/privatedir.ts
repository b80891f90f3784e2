// Where private plaintext directories go, and the names they share, whoever creates them (the helm wrapper, edit):
// their prefix and the lock file naming their process, by which a later run or `clean` recognises and removes one
// left by a killed run.
//
// One order for everyone: memory first, /dev/shm, then $XDG_RUNTIME_DIR (both on Linux only, where they are tmpfs),
// then the OS temp dir. A candidate counts when it is a directory this user can write and enter. The callers'
// overrides come before it: HELM_SECRETS_DEC_DIR for the wrapper (helm-secrets' variable), HELM_SECRETS_PRIVATE_DIR
// for edit; `clean` searches all of these.
import { accessSync, constants as fsc, statSync } from 'node:fs';
import { tmpdir } from 'node:os';

export const DIR_PREFIX = 'helm-secrets-';
export const LOCK_FILE = '.helm-secrets.lock';

function usable(dir: string): boolean {
  try {
    accessSync(dir, fsc.W_OK | fsc.X_OK);
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** The memory-backed candidates (RAM, never a persistent disk) that are usable, in order. */
export function tmpfsParents(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string[] {
  if (platform !== 'linux') return [];
  return ['/dev/shm', env.XDG_RUNTIME_DIR].filter((d): d is string => !!d && usable(d));
}

/** Every usable parent for a private directory, memory-backed first, then the OS temp dir. */
export function privateParents(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string[] {
  const tmp = tmpdir();
  return [...new Set([...tmpfsParents(env, platform), ...(usable(tmp) ? [tmp] : [])])];
}

/** Every place a private directory may be (for `clean`): the candidates whether usable now or not. */
export function privateSearchRoots(env: NodeJS.ProcessEnv): string[] {
  const roots = ['/dev/shm', ...(env.XDG_RUNTIME_DIR ? [env.XDG_RUNTIME_DIR] : []), tmpdir()];
  if (env.HELM_SECRETS_DEC_DIR) roots.push(env.HELM_SECRETS_DEC_DIR);
  if (env.HELM_SECRETS_PRIVATE_DIR) roots.push(env.HELM_SECRETS_PRIVATE_DIR);
  return [...new Set(roots)];
}
