// The small commands: help, version, dir, clean, and the hidden downloader (helm's getter protocol). Descriptors
// (src/cli/command.ts); what they need beyond printing a line is loaded when they run.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pkg from '../../package.json' with { type: 'json' };
import type { Command } from './command.js';
import { writeStdout } from '../stdio.js';

export const VERSION: string = pkg.version;

const HELP: OptionTableLite = { help: { type: 'boolean', short: 'h', help: 'this help' } };
type OptionTableLite = NonNullable<Command['options']>;

export const help: Command = {
  name: 'help',
  summary: "this overview, or a command's help: helm secrets help COMMAND",
  usage: 'helm secrets help [COMMAND]',
  parse: 'raw',
  hidden: true,
  async run(ctx) {
    const { helpFor, overview } = await import('./help.js');
    const name = ctx.argv[0];
    await writeStdout(((name ? helpFor(name) : undefined) ?? overview()) + '\n');
    return 0;
  },
};

export const version: Command = {
  name: 'version',
  summary: 'print the version',
  usage: 'helm secrets version',
  description: 'Prints the plugin version.',
  options: HELP,
  parse: 'own',
  async run() {
    await writeStdout(VERSION + '\n');
    return 0;
  },
};

function pluginDir(env: NodeJS.ProcessEnv): string {
  if (env.HELM_PLUGIN_DIR) return env.HELM_PLUGIN_DIR;
  return resolve(dirname(fileURLToPath(import.meta.url)), '..');
}

export const dir: Command = {
  name: 'dir',
  summary: 'print the plugin directory',
  usage: 'helm secrets dir',
  description: 'Prints the directory the plugin is installed in.',
  options: HELP,
  parse: 'own',
  async run(ctx) {
    await writeStdout(pluginDir(ctx.env) + '\n');
    return 0;
  },
};

export const clean: Command = {
  name: 'clean',
  summary: 'remove decrypted .dec files',
  usage: 'helm secrets clean [DIR...]',
  description: `Removes decrypted files (names ending in HELM_SECRETS_DEC_SUFFIX, default .dec) below DIR (default .),
the temp files and lock files of commands that were killed (only when their process is gone),
and temporary directories left by wrapper runs that were killed.`,
  options: { ...HELP, quiet: { type: 'boolean', short: 'q', help: 'no [helm-secrets] messages' } },
  parse: 'own',
  async run(ctx) {
    const { runClean } = await import('./ops/clean.js');
    return runClean(ctx.positionals, ctx.env);
  },
};

export const downloader: Command = {
  name: 'downloader',
  summary: "helm's getter for secrets:// URLs (called by helm)",
  usage: 'helm secrets downloader CERT KEY CA URL',
  parse: 'raw',
  hidden: true,
  codeCache: 'decrypt',
  async run(ctx) {
    const { runDownloader } = await import('../helm/downloader.js');
    return runDownloader(ctx.argv);
  },
};

export const postRenderer: Command = {
  name: 'post-renderer',
  summary: "helm's post-renderer for --evaluate-templates (called by helm)",
  usage: 'helm secrets [--backend NAME] post-renderer',
  parse: 'raw',
  hidden: true,
  async run(ctx) {
    const { runPostRenderer } = await import('../helm/postrender.js');
    return runPostRenderer(ctx.env);
  },
};
