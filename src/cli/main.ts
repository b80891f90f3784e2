// Entry point of the CLI: global options, then one command of the registry (src/cli/commands.ts), run by the one
// runner (src/cli/command.ts); anything else is a helm command, run through the wrapper with encrypted values
// decrypted on the fly. Only the descriptors load before the command is known.
import { isQuietEnv, reportError, setQuiet } from './console.js';
import { takeSwitch } from '../helm/globalopts.js';
import { runCommand } from './command.js';
import { findCommand } from './commands.js';
import { VERSION } from './builtin.js';
import { overview } from './help.js';
import { defaultBackend, loadBackend } from '../helm/backends.js';

export { VERSION };
export { startRun, type EntryHooks } from './entry.js';

/** The overview, generated from the registry. help.ts is light and part of the front bundle (dist/cli.cjs), so
 * `--help` never loads the commands bundle. */
function printOverview(): void {
  process.stdout.write(overview() + '\n');
}

/** `entry` is the launcher that runs the bundle: bin/helm-secrets.js, or bin/sops (sops's command line). */
export async function main(argv: string[], entry = 'helm-secrets'): Promise<number> {
  if (entry === 'sops') return (await import('./sops/main.js')).sopsMain(argv);
  const env = process.env;
  let quiet = isQuietEnv(env);
  try {
    // helm-secrets loads the configured backend before reading any option: an unknown or disallowed one stops
    // every command, whatever -b says later.
    defaultBackend(env);
  } catch (err) {
    return reportError(err);
  }
  let i = 0;
  // helm-secrets global options come before the command.
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-q' || a === '--quiet') quiet = true;
    else if (a === '-h' || a === '--help') {
      printOverview();
      return 0;
    } else if (a === '-v' || a === '--version') {
      process.stdout.write(VERSION + '\n');
      return 0;
    } else if (a === '-a' || a === '--backend-args') {
      // sops flags for every engine call (src/config/backendargs.ts); in the environment, so the getter gets them too.
      env.HELM_SECRETS_BACKEND_ARGS = argv[++i] ?? '';
    } else if (a.startsWith('--backend-args=')) {
      env.HELM_SECRETS_BACKEND_ARGS = a.slice('--backend-args='.length);
    } else if (a === '--backend' || a === '-b' || a.startsWith('--backend=')) {
      // The run's secret backend (src/helm/backends.ts), checked now as helm-secrets does; in the environment, so
      // the getter and the post-renderer that helm runs for this command use it too.
      const name = a.startsWith('--backend=') ? a.slice('--backend='.length) : (argv[++i] ?? '');
      try {
        if (name !== '') loadBackend(name, env);
      } catch (err) {
        return reportError(err);
      }
      if (name !== '') env.HELM_SECRETS_BACKEND = name;
    } else {
      const took = takeSwitch(argv, i, env);
      if (took === 0) break;
      i += took - 1;
    }
  }
  setQuiet(quiet);
  const cmd = argv[i];
  const rest = argv.slice(i + 1);
  if (cmd === undefined) {
    // As helm-secrets: no command is a usage error (the help, exit 1); --help asks for it (exit 0).
    printOverview();
    return 1;
  }
  try {
    if (env.HELM_SECRETS_LOAD_GPG_KEYS) (await import('./loadkeys.js')).applyLoadGpgKeys(env);
  } catch (err) {
    return reportError(err);
  }
  const command = findCommand(cmd);
  if (command) {
    // A global -q reaches commands that run others (the git drivers) through the environment.
    if (quiet) env.HELM_SECRETS_QUIET = 'true';
    return runCommand(command, cmd, rest, env);
  }
  try {
    const { runHelmCommand } = await import('../helm/wrapper.js');
    return await runHelmCommand(argv.slice(i), { quiet });
  } catch (err) {
    return reportError(err);
  }
}
