// helm-secrets' secret backends, decided in one place: which backend applies to a command, a values file, a
// `--set` literal or a `secrets…://` reference; whether HELM_SECRETS_ALLOWED_BACKENDS lets it run; and what the
// backends other than sops (the engine, src/helm/resolve.ts) do with a file or a literal: noop passes everything
// through, vals resolves `ref+…://` references in process (src/refs/), and a custom backend is a shell script with
// helm-secrets' `_custom_backend_*` functions, run with bash (src/helm/custombackend.ts).
import { statSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { HelmSecretsError } from '../errors.js';
import { runBackendName } from '../config/runbackend.js';

export type BackendKind = 'sops' | 'vals' | 'noop' | 'custom';

export interface Backend {
  /** The name as given (`vals`, or the script path as written): what messages and the allow-list use. */
  readonly name: string;
  readonly kind: BackendKind;
  /** A custom backend's script, absolute. */
  readonly script?: string;
}

const BUILT_IN: readonly string[] = ['sops', 'vals', 'noop'];

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** helm-secrets' is_secret_backend: a built-in name, or a file (a custom backend script). */
export function isBackendName(name: string): boolean {
  return BUILT_IN.includes(name) || (name !== '' && isFile(name));
}

/**
 * helm-secrets' load_secret_backend: the allow-list first (an exact entry of HELM_SECRETS_ALLOWED_BACKENDS, a comma
 * list), then a built-in, then a script file. Refusals are helm-secrets' own words, exit 1.
 */
export function loadBackend(name: string, env: NodeJS.ProcessEnv): Backend {
  const allowed = env.HELM_SECRETS_ALLOWED_BACKENDS ?? '';
  if (allowed !== '' && !allowed.split(',').includes(name)) throw new HelmSecretsError(`secret backend '${name}' not allowed`);
  if (BUILT_IN.includes(name)) return { name, kind: name as BackendKind };
  if (!isFile(name)) throw new HelmSecretsError(`Can't find secret backend: ${name}`);
  return { name, kind: 'custom', script: resolvePath(name) };
}

/** The backend of this run: HELM_SECRETS_BACKEND (which -b/--backend sets), else sops. */
export function defaultBackend(env: NodeJS.ProcessEnv): Backend {
  return loadBackend(runBackendName(env), env);
}

/**
 * The backend a reference forces (`NAME!rest`), and the rest. `protocol` is how helm-secrets reads what follows
 * `secrets://`, `secrets+…-import://KEY?` and `secrets+literal://`: whatever stands before the first `!` is a backend
 * name (an unknown one is refused). Otherwise (a `-f`/`--set-file`/`--set` value given to the wrapper) the prefix is
 * a backend only when it names one (a built-in or an existing script): `a!b.yaml` is then the file `a!b.yaml`.
 * An empty prefix (`!file`) leaves the run's backend.
 */
export function splitForced(spec: string, protocol: boolean): { backend?: string; rest: string } {
  const bang = spec.indexOf('!');
  if (bang < 0) return { rest: spec };
  const name = spec.slice(0, bang);
  if (!protocol && !isBackendName(name)) return { rest: spec };
  return name === '' ? { rest: spec.slice(bang + 1) } : { backend: name, rest: spec.slice(bang + 1) };
}

/** The backend that applies to one reference: the one it forces, else the run's. Checks the allow-list either way. */
export function backendFor(forced: string | undefined, env: NodeJS.ProcessEnv): Backend {
  return forced !== undefined ? loadBackend(forced, env) : defaultBackend(env);
}

/** vals's test for "has something to resolve" (helm-secrets greps for `ref+`). */
export function hasValsRef(bytes: Uint8Array | string): boolean {
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return text.includes('ref+');
}

/** vals's output format for a file: JSON for `*.json*`, else YAML (helm-secrets' _vals_get_type). */
export function valsFormat(name: string, type: string): 'json' | 'yaml' {
  if (type === 'json') return 'json';
  if (type === 'yaml') return 'yaml';
  return /\.json/.test(name) && !/\.yaml/.test(name) ? 'json' : 'yaml';
}

/** helm-secrets' words when a backend cannot do what is asked. */
export const Unsupported = {
  encrypt: () => new HelmSecretsError('Encrypting files is not supported!'),
  valsInPlace: () => new HelmSecretsError('vals: inline decryption is not supported!'),
  valsEdit: () => new HelmSecretsError('vals: Editing files is not supported!'),
};
