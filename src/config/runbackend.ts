// Which backend a run decrypts with, by name: read in this one place by the helm wrapper (which loads it) and by the
// backend arguments (which are sops flags only when it is sops). A module of its own so that the front, which
// names the backend in help and dispatch, need not load the backend-argument parser.

/** The run's backend: HELM_SECRETS_BACKEND (which -b/--backend sets), else sops. */
export function runBackendName(env: NodeJS.ProcessEnv): string {
  return env.HELM_SECRETS_BACKEND || 'sops';
}
