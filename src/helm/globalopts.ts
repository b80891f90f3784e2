// helm-secrets's global options, given before the command (takeGlobalOption), among them the switches: `--name`,
// `--name true|false` or `--name=value`, each setting its HELM_SECRETS_* variable, as helm-secrets's run.sh does.
import { loadBackend } from './backends.js';

export const SWITCHES: Readonly<Record<string, string>> = {
  '--ignore-missing-values': 'HELM_SECRETS_IGNORE_MISSING_VALUES',
  '--decrypt-secrets-in-tmp-dir': 'HELM_SECRETS_DECRYPT_SECRETS_IN_TMP_DIR',
  '--evaluate-templates': 'HELM_SECRETS_EVALUATE_TEMPLATES',
  '--evaluate-templates-decode-secrets': 'HELM_SECRETS_EVALUATE_TEMPLATES_DECODE_SECRETS',
};

/**
 * The one reader of helm-secrets's global options, for the CLI's entry (src/cli/main.ts) and the wrapper (options
 * that still precede the helm command): -q/--quiet, -a/--backend-args, -b/--backend and the SWITCHES. Applies the
 * option at argv[i] (to `env`, where the getter and the post-renderer helm runs see it too, or to `run`) and returns
 * how many arguments it took; 0 when argv[i] is none of them. An unknown or disallowed backend throws, as
 * helm-secrets stops there.
 */
export function takeGlobalOption(argv: readonly string[], i: number, env: NodeJS.ProcessEnv, run: { quiet: boolean }): number {
  const a = argv[i];
  if (a === '-q' || a === '--quiet') {
    run.quiet = true;
    return 1;
  }
  if (a === '-a' || a === '--backend-args') {
    // sops flags for every engine call (src/config/backendargs.ts).
    env.HELM_SECRETS_BACKEND_ARGS = argv[i + 1] ?? '';
    return 2;
  }
  if (a.startsWith('--backend-args=')) {
    env.HELM_SECRETS_BACKEND_ARGS = a.slice('--backend-args='.length);
    return 1;
  }
  if (a === '-b' || a === '--backend' || a.startsWith('--backend=')) {
    // The run's secret backend (src/helm/backends.ts), checked now as helm-secrets does.
    const inline = a.startsWith('--backend=');
    const name = inline ? a.slice('--backend='.length) : (argv[i + 1] ?? '');
    if (name !== '') {
      loadBackend(name, env);
      env.HELM_SECRETS_BACKEND = name;
    }
    return inline ? 1 : 2;
  }
  return takeSwitch(argv, i, env);
}

/** When argv[i] is one of SWITCHES, sets its variable in `env` and returns how many arguments it took; else 0. */
function takeSwitch(argv: readonly string[], i: number, env: NodeJS.ProcessEnv): number {
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
