// The path guards for shared environments (Argo CD, CI): a repository must not make the plugin read files
// outside itself. Each guard is opt-in through helm-secrets' HELM_SECRETS_VALUES_ALLOW_* / KEY_LOCATION_PREFIX.
import { lstat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { SopsError } from '../errors.js';

function allowed(env: NodeJS.ProcessEnv, name: string): boolean {
  return (env[name] ?? 'true').toLowerCase() !== 'false';
}

/** Throws when a local values path breaks one of the enabled guards. Messages are helm-secrets' own. */
export async function checkValuesPath(path: string, env: NodeJS.ProcessEnv): Promise<void> {
  if (!allowed(env, 'HELM_SECRETS_VALUES_ALLOW_ABSOLUTE_PATH') && (path.startsWith('/') || path.startsWith('\\') || path.includes(':'))) {
    throw new SopsError(`Values filepath '${path}' is an absolute path. Absolute paths are not allowed.`);
  }
  if (!allowed(env, 'HELM_SECRETS_VALUES_ALLOW_PATH_TRAVERSAL') && (path === '..' || /\.\.[\\/]|[\\/]\.\./.test(path))) {
    throw new SopsError(`Values filepath '${path}' contains '..'. Path traversal is not allowed.`);
  }
  if (!allowed(env, 'HELM_SECRETS_VALUES_ALLOW_SYMLINKS')) {
    const st = await lstat(path).catch(() => undefined);
    if (st?.isSymbolicLink()) throw new SopsError(`Values file '${path}' is a symlink. Symlinks are not allowed.`);
    // A symlinked directory on the way (repo/link/secrets.yaml, link -> /elsewhere) leaves the repository just
    // the same. Components of a relative path only: an absolute one may pass system links (/tmp on macOS).
    if (!isAbsolute(path)) {
      const parts = path.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
      for (let i = 1; i < parts.length; i++) {
        const dir = parts.slice(0, i).join('/');
        if ((await lstat(dir).catch(() => undefined))?.isSymbolicLink()) {
          throw new SopsError(`Values file '${path}' is reached through a symlink ('${dir}'). Symlinks are not allowed.`);
        }
      }
    }
  }
}

/** Key files named in secrets+gpg-import:// and secrets+age-import:// must start with HELM_SECRETS_KEY_LOCATION_PREFIX. */
export function checkKeyLocation(path: string, env: NodeJS.ProcessEnv): void {
  const prefix = env.HELM_SECRETS_KEY_LOCATION_PREFIX ?? '';
  if (!path.startsWith(prefix)) throw new SopsError(`Key location '${path}' is not allowed`);
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
