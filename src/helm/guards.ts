// The path guards for shared environments (Argo CD, CI): a repository must not make the plugin read files
// outside itself. Each guard is opt-in through helm-secrets' HELM_SECRETS_VALUES_ALLOW_* / KEY_LOCATION_PREFIX.
import { lstatSync, promises as fsp, type Stats } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { SopsError, printable } from '../errors.js';

function allowed(env: NodeJS.ProcessEnv, name: string): boolean {
  return (env[name] ?? 'true').toLowerCase() !== 'false';
}

/** Throws when a local values path breaks one of the enabled guards. Messages are helm-secrets' own. */
export async function checkValuesPath(rawPath: string, env: NodeJS.ProcessEnv): Promise<void> {
  const path = rawPath;
  const shown = printable(rawPath);
  if (!allowed(env, 'HELM_SECRETS_VALUES_ALLOW_ABSOLUTE_PATH') && (path.startsWith('/') || path.startsWith('\\') || path.includes(':'))) {
    throw new SopsError(`Values filepath '${shown}' is an absolute path. Absolute paths are not allowed.`);
  }
  if (!allowed(env, 'HELM_SECRETS_VALUES_ALLOW_PATH_TRAVERSAL') && (path === '..' || /\.\.[\\/]|[\\/]\.\./.test(path))) {
    throw new SopsError(`Values filepath '${shown}' contains '..'. Path traversal is not allowed.`);
  }
  if (!allowed(env, 'HELM_SECRETS_VALUES_ALLOW_SYMLINKS')) {
    const st = lstatOrNone(path);
    if (st?.isSymbolicLink()) throw symlinkRefused(path);
    // A symlinked directory on the way (repo/link/secrets.yaml, link -> /elsewhere) leaves the repository just
    // the same. Components of a relative path only: an absolute one may pass system links (/tmp on macOS).
    if (!isAbsolute(path)) {
      const parts = path.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
      for (let i = 1; i < parts.length; i++) {
        const dir = parts.slice(0, i).join('/');
        if (lstatOrNone(dir)?.isSymbolicLink()) {
          throw new SopsError(`Values file '${shown}' is reached through a symlink ('${printable(dir)}'). Symlinks are not allowed.`);
        }
      }
    }
  }
}

/**
 * lstat, or undefined when it fails. Synchronous, without an exception for a missing file: run for every values file
 * and each directory on its way, where a promise per call and an error with its stack per miss add up.
 */
function lstatOrNone(path: string): Stats | undefined {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

export function symlinksAllowed(env: NodeJS.ProcessEnv): boolean {
  return allowed(env, 'HELM_SECRETS_VALUES_ALLOW_SYMLINKS');
}

export function symlinkRefused(path: string): SopsError {
  return new SopsError(`Values file '${printable(path)}' is a symlink. Symlinks are not allowed.`);
}

/** `p` is strictly below directory `dir` (both absolute). */
function below(dir: string, p: string): boolean {
  const rel = relative(dir, p);
  return rel !== '' && rel !== '..' && !rel.startsWith('..' + '/') && !rel.startsWith('..' + '\\') && !isAbsolute(rel);
}

/** The real path of `path`; for a file that does not exist (yet), its directory's real path and its name. */
async function realOrParent(path: string): Promise<string> {
  try {
    return await fsp.realpath(path);
  } catch {
    try {
      return join(await fsp.realpath(dirname(path)), basename(path));
    } catch {
      return resolve(path);
    }
  }
}

/**
 * Key files named in secrets+gpg-import:// and secrets+age-import:// must lie inside the directory
 * HELM_SECRETS_KEY_LOCATION_PREFIX (when set). Real paths are compared, so neither `PREFIX/../elsewhere/key.txt`
 * nor a symlink inside the prefix that points out of it passes.
 */
export async function checkKeyLocation(path: string, env: NodeJS.ProcessEnv): Promise<void> {
  const prefix = env.HELM_SECRETS_KEY_LOCATION_PREFIX ?? '';
  if (prefix === '') return;
  const refused = new SopsError(`Key location '${printable(path)}' is not allowed (it must be inside ${printable(prefix)})`);
  let dir: string;
  try {
    dir = await fsp.realpath(prefix);
  } catch {
    throw refused;
  }
  if (!below(dir, await realOrParent(path))) throw refused;
}

/** secrets+gpg-import:// and friends can each be switched off (HELM_SECRETS_ALLOW_GPG_IMPORT=false, …). */
export function checkImportAllowed(protocol: string, env: NodeJS.ProcessEnv): void {
  const name = 'HELM_SECRETS_ALLOW_' + protocol.replace(/^secrets\+/, '').replace(/-/g, '_').toUpperCase();
  if (!allowed(env, name)) throw new SopsError(`${protocol}:// is not allowed in this context!`);
}

/**
 * Expands `${NAME}` in a URL (HELM_SECRETS_URL_VARIABLE_EXPANSION=true); an unset variable is an error, as with
 * helm-secrets' strict expansion. `$NAME` without braces is left alone.
 */
export function expandUrl(url: string, env: NodeJS.ProcessEnv): string {
  if ((env.HELM_SECRETS_URL_VARIABLE_EXPANSION ?? 'false').toLowerCase() !== 'true') return url;
  return url.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    const v = env[name];
    if (v === undefined) throw new SopsError(`URL variable ${name} is not set`);
    return v;
  });
}
