// Entry point of the CLI: global options, then one command of the registry (src/cli/commands.ts), run by the one
// runner (src/cli/command.ts); anything else is a helm command, run through the wrapper with encrypted values
// decrypted on the fly. Only the descriptors load before the command is known.
import { isQuietEnv, reportError, setQuiet } from './console.js';
import { writeStdout } from '../stdio.js';
import { takeGlobalOption } from '../helm/globalopts.js';
import { codeCacheOf, runCommand } from './command.js';
import { findCommand } from './commands.js';
import { VERSION } from './builtin.js';
import { overview } from './help.js';
import { defaultBackend } from '../helm/backends.js';
import { useCodeCache } from '../packages.js';

export { VERSION };
export { startRun, type EntryHooks } from './entry.js';

/** The overview, generated from the registry. help.ts is light and part of the front bundle (dist/cli.cjs), so
 * `--help` never loads the commands bundle. */
function printOverview(): void {
  process.stdout.write(overview() + '\n');
}

/** `entry` is the launcher that runs the bundle: bin/helm-secrets.js, or bin/sops (sops's command line). */
export async function main(argv: string[], entry = 'helm-secrets'): Promise<number> {
  if (entry === 'sops') {
    // `sops decrypt` / `sops -d` (git's textconv, scripts) load the cache trained on that; a wrong guess costs speed only.
    useCodeCache(argv.some((a) => a === 'decrypt' || a === '-d' || a === '--decrypt') ? 'sops' : undefined);
    return (await import('./sops/main.js')).sopsMain(argv);
  }
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
    if (a === '-h' || a === '--help') {
      printOverview();
      return 0;
    } else if (a === '-v' || a === '--version') {
      await writeStdout(VERSION + '\n');
      return 0;
    } else {
      const run = { quiet };
      let took: number;
      try {
        took = takeGlobalOption(argv, i, env, run);
      } catch (err) {
        return reportError(err);
      }
      if (took === 0) break;
      quiet = run.quiet;
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
  const command = findCommand(cmd);
  // Which trained cache the commands bundle loads with: decided here, before anything of it loads (the key import
  // below does); anything that is not a command goes to the wrapper.
  useCodeCache(command ? codeCacheOf(command, rest) : 'helm');
  try {
    if (env.HELM_SECRETS_LOAD_GPG_KEYS) (await import('./loadkeys.js')).applyLoadGpgKeys(env);
  } catch (err) {
    return reportError(err);
  }
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
