// The environment helm runs in: the user's, less the key material only this plugin needs. helm passes its
// environment on to everything it runs (post-renderers, plugins, kubeconfig exec credential plugins), and none of
// them needs a sops key or the Vault token; helm's own `secrets://` getter (our getter plugin) does, so when an
// argument still carries such a URL for helm to fetch, the variables stay. Cloud credentials stay: kubeconfig exec
// plugins (aws eks get-token, gke-gcloud-auth-plugin, kubelogin) and registry credential helpers read them.

/** sops key variables (SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, SOPS_AGE_KEY_CMD, SOPS_PGP_KEY, SOPS_PGP_PASSPHRASE, ...). */
const SOPS_SECRET_RE = /^SOPS_.*(_KEY|KEY_|TOKEN|PASSPHRASE|PASSWORD|SECRET)/;
const OTHER_SECRETS = new Set(['VAULT_TOKEN']);
/** A URL helm would hand to the secrets getter plugin (helm lower-cases the scheme). */
const GETTER_URL_RE = /(^|[=,"])secrets(\+[a-z-]+)?:\/\//i;

export function isKeyVariable(name: string): boolean {
  return SOPS_SECRET_RE.test(name) || OTHER_SECRETS.has(name);
}

/** `env` for a helm run with `argv`: without key variables unless helm itself will run the secrets:// getter. */
export function helmEnvironment(env: NodeJS.ProcessEnv, argv: readonly string[]): NodeJS.ProcessEnv {
  if (argv.some((a) => GETTER_URL_RE.test(a))) return env;
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (!isKeyVariable(k)) out[k] = v;
  return out;
}
