// The file commands on a URL (`helm secrets decrypt https://…`, `view git+https://…`): the bytes of an http(s) URL
// (src/helm/http.ts) or of any scheme helm has a getter for (through helm, src/helm/viahelm.ts), with the name to
// decrypt them under. A reference with no getter is a local path, as helm reads it.
import { SopsError, printable, HelmSecretsError } from '../errors.js';
import { redactUrl } from '../redact.js';
import { helmHasGetter } from './getters.js';
import { expandUrl } from './guards.js';

/** Whether a file command's argument is fetched rather than read from disk. */
export function isRemote(spec: string, env: NodeJS.ProcessEnv): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(spec) && helmHasGetter(spec, env);
}

/**
 * The name the engine decrypts a URL's bytes under and names in errors: the URL redacted, without its query (which
 * may hold a token, and would hide the extension that picks the store).
 */
export function remoteFileName(spec: string): string {
  return redactUrl(spec).replace(/[?#].*$/s, '');
}

/** Fetches a remote argument; errors name it with credentials redacted. */
export async function fetchRemote(spec: string, env: NodeJS.ProcessEnv): Promise<Uint8Array> {
  const shown = printable(redactUrl(spec));
  // Through helm, this plugin's own getter would hand back plaintext, which the command would then refuse.
  if (/^secrets(\+[a-z-]+)?:\/\//i.test(spec)) throw new SopsError(`${shown}: give the file or URL itself, not a secrets:// reference`);
  if (/^https?:\/\//i.test(spec)) {
    // node:http and node:https (~8 ms to load) only for a URL.
    const { HttpFailure, httpGet } = await import('./http.js');
    try {
      return await httpGet(expandUrl(spec, env), env);
    } catch (err) {
      if (err instanceof SopsError) throw err;
      // helm-secrets' own words for a file command on a URL it cannot fetch (its exit 1), then the cause.
      throw new HelmSecretsError(`File does not exist: ${shown} (${err instanceof HttpFailure ? err.reason : 'request failed'})`);
    }
  }
  // The private scratch directory (deliver.ts: node:child_process, node:stream) only for a fetch through helm.
  const [{ fetchViaHelm }, { Delivery }] = await Promise.all([import('./viahelm.js'), import('./deliver.js')]);
  const scratch = new Delivery('dir', env);
  try {
    return await fetchViaHelm(spec, env, scratch.privateDir());
  } catch (err) {
    throw new SopsError(`Error while fetching ${shown} through helm: ${(err as Error).message}`);
  } finally {
    scratch.wipe();
  }
}
