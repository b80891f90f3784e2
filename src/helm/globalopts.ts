// helm-secrets's switch options, given before the command: `--name`, `--name true|false` or `--name=value`, each
// setting its HELM_SECRETS_* variable, as helm-secrets's run.sh does.
export const SWITCHES: Readonly<Record<string, string>> = {
  '--ignore-missing-values': 'HELM_SECRETS_IGNORE_MISSING_VALUES',
  '--decrypt-secrets-in-tmp-dir': 'HELM_SECRETS_DECRYPT_SECRETS_IN_TMP_DIR',
  '--evaluate-templates': 'HELM_SECRETS_EVALUATE_TEMPLATES',
  '--evaluate-templates-decode-secrets': 'HELM_SECRETS_EVALUATE_TEMPLATES_DECODE_SECRETS',
};

/** When argv[i] is one of SWITCHES, sets its variable in `env` and returns how many arguments it took; else 0. */
export function takeSwitch(argv: readonly string[], i: number, env: NodeJS.ProcessEnv): number {
  const a = argv[i];
  const eq = a.indexOf('=');
  const name = eq < 0 ? a : a.slice(0, eq);
  const variable = SWITCHES[name];
  if (!variable) return 0;
  if (eq >= 0) {
    env[variable] = a.slice(eq + 1);
    return 1;
  }
  const next = argv[i + 1];
  if (next === 'true' || next === 'false') {
    env[variable] = next;
    return 2;
  }
  env[variable] = 'true';
  return 1;
}

/**
 * HELM_SECRETS_QUIET as helm-secrets reads it (run.sh: `QUIET=${HELM_SECRETS_QUIET:-false}`, `true` under Argo CD,
 * and messages only when QUIET is exactly `false`): unset or empty means the default, quiet when ARGOCD_APP_NAME
 * is set; any other value than `false` means quiet. The one parser of it, for the wrapper and the file commands.
 */
export function quietFromEnv(env: NodeJS.ProcessEnv): boolean {
  const v = env.HELM_SECRETS_QUIET;
  if (v === undefined || v === '') return env.ARGOCD_APP_NAME !== undefined;
  return v !== 'false';
}
