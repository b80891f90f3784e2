// Entry point of the CLI: global options, then one command. File commands are handled here;
// anything else is a helm command, run through the wrapper with encrypted values decrypted on the fly.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pkg from '../../package.json' with { type: 'json' };
import { parseFileCommand } from './args.js';
import { isQuietEnv, reportError, setQuiet } from './console.js';
import { takeSwitch } from '../helm/globalopts.js';
import { OVERVIEW, helpFor } from './help.js';

const FILE_COMMANDS = new Set(['encrypt', 'decrypt', 'enc', 'dec', 'view']);

type CommandRun = (argv: string[], env: NodeJS.ProcessEnv) => Promise<number>;

/** Commands that parse their own options, each in its own module (loaded only when used). */
const OWN_PARSERS: Record<string, () => Promise<CommandRun>> = {
  edit: () => import('./edit.js').then((m) => m.run),
  set: () => import('./set.js').then((m) => m.run),
  unset: () => import('./set.js').then((m) => m.runUnset),
  updatekeys: () => import('./updatekeys.js').then((m) => m.run),
  rotate: () => import('./rotate.js').then((m) => m.run),
  git: () => import('./git.js').then((m) => m.run),
  check: () => import('./check.js').then((m) => m.run),
};

export const VERSION: string = pkg.version;

export { startRun, type EntryHooks } from './entry.js';

function pluginDir(env: NodeJS.ProcessEnv): string {
  if (env.HELM_PLUGIN_DIR) return env.HELM_PLUGIN_DIR;
  return resolve(dirname(fileURLToPath(import.meta.url)), '..');
}

export async function main(argv: string[]): Promise<number> {
  const env = process.env;
  let quiet = isQuietEnv(env);
  let i = 0;
  // helm-secrets global options come before the command.
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-q' || a === '--quiet') quiet = true;
    else if (a === '-h' || a === '--help') {
      process.stdout.write(OVERVIEW + '\n');
      return 0;
    } else if (a === '-v' || a === '--version') {
      process.stdout.write(VERSION + '\n');
      return 0;
    } else if (a === '-a' || a === '--backend-args') {
      // sops flags for every engine call (src/config/backendargs.ts); in the environment, so the getter gets them too.
      env.HELM_SECRETS_BACKEND_ARGS = argv[++i] ?? '';
    } else if (a.startsWith('--backend-args=')) {
      env.HELM_SECRETS_BACKEND_ARGS = a.slice('--backend-args='.length);
    } else if (a === '--backend' || a === '-b') {
      i++; // sops is built in; the option is accepted for compatibility and has no effect
    } else if (a.startsWith('--backend=')) {
      /* accepted, no effect */
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
    process.stdout.write(OVERVIEW + '\n');
    return 1;
  }
  try {
    if (env.HELM_SECRETS_LOAD_GPG_KEYS) (await import('./loadkeys.js')).applyLoadGpgKeys(env);
    if (FILE_COMMANDS.has(cmd)) {
      const args = parseFileCommand(rest, env, cmd);
      if (args.help) {
        process.stdout.write(helpFor(cmd) + '\n');
        return 0;
      }
      if (args.quiet) setQuiet(true);
      if (cmd === 'encrypt' || cmd === 'enc') {
        const { runEncrypt } = await import('./encrypt.js');
        return await runEncrypt(cmd, args);
      }
      const { runDecrypt } = await import('./decrypt.js');
      return await runDecrypt(cmd as 'decrypt' | 'dec' | 'view', args);
    }
    const own = OWN_PARSERS[cmd];
    if (own) {
      if (quiet) env.HELM_SECRETS_QUIET = 'true';
      return await (await own())(rest, env);
    }
    switch (cmd) {
      case 'help': {
        if (rest[0] && OWN_PARSERS[rest[0]]) await OWN_PARSERS[rest[0]](); // registers its help page
        const page = rest[0] ? helpFor(rest[0]) : OVERVIEW;
        process.stdout.write((page ?? OVERVIEW) + '\n');
        return 0;
      }
      case 'version':
        process.stdout.write(VERSION + '\n');
        return 0;
      case 'dir':
        process.stdout.write(pluginDir(env) + '\n');
        return 0;
      case 'clean': {
        if (rest.includes('--help') || rest.includes('-h')) {
          process.stdout.write(helpFor('clean') + '\n');
          return 0;
        }
        const { runClean } = await import('./clean.js');
        return await runClean(rest.filter((a) => a !== '-q' && a !== '--quiet'), env);
      }
      case 'downloader': {
        const { runDownloader } = await import('../helm/downloader.js');
        return await runDownloader(rest);
      }
      default: {
        const { runHelmCommand } = await import('../helm/wrapper.js');
        return await runHelmCommand(argv.slice(i), { quiet });
      }
    }
  } catch (err) {
    return reportError(err);
  }
}
