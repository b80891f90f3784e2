// The one shape of a command, and the one runner: each command module exports a light, synchronous descriptor (name,
// aliases, summary, option table) whose run imports the command's work only when it runs; the runner parses the
// options, prints generated help, applies quiet, and reports errors (one line each, per file for file commands).
import type { FileCommandArgs } from './args.js';
import { reportError, setQuiet } from './console.js';
import { parseOwn, renderOptions, type OptionTable, type OptionValues } from './options.js';
import type { CodeCache } from '../packages.js';

export interface CommandContext {
  /** The name the command was called by (an alias included). */
  name: string;
  /** The arguments after the command name, as given. */
  argv: string[];
  env: NodeJS.ProcessEnv;
  /** `parse: 'file'`: the file-command options, read into engine options. */
  args: FileCommandArgs;
  /** The parsed options of the command's own table (`parse: 'own'` and `'file'`). */
  values: OptionValues;
  positionals: string[];
}

export interface Command {
  name: string;
  aliases?: readonly string[];
  /** One line for the overview. */
  summary: string;
  /** Usage line(s) without the leading "Usage: ". */
  usage: string;
  /** First line of the help page (helm-secrets' pages start with one), before the usage. */
  title?: string;
  /** Prose of the help page, after the usage. */
  description?: string;
  /** Accepted options; the help lists exactly these. */
  options?: OptionTable;
  /** Which options the help lists (all by default). */
  listed?: (name: string) => boolean;
  /**
   * 'file': the file-command parser (backend arguments, engine options); 'own': parseArgs on `options`;
   * 'raw': the arguments go to run as they are (subcommands, helm commands); run handles --help itself.
   */
  parse: 'file' | 'own' | 'raw';
  /** Not listed in the overview or completions. */
  hidden?: boolean;
  /** Subcommands, for help and completion. */
  subcommands?: readonly string[];
  /** Subcommands that are commands of their own (groups add, groups delete): their options complete too. */
  children?: readonly Command[];
  /** The trained code cache that fits this command (src/packages.ts CodeCache), or one per arguments; else the general one. */
  codeCache?: CodeCache | ((argv: readonly string[]) => CodeCache | undefined);
  run(ctx: CommandContext): Promise<number>;
}

/** A command's help page, generated from its descriptor. */
export function helpPage(cmd: Command): string {
  const parts: string[] = [];
  if (cmd.title) parts.push(cmd.title + '\n');
  parts.push(`Usage: ${cmd.usage.split('\n').join('\n       ')}`);
  if (cmd.description) parts.push(cmd.description);
  if (cmd.options) {
    const listed = cmd.listed;
    const text = renderOptions(cmd.options, 'Options', listed ? (n) => listed(n) : undefined);
    if (text) parts.push('\n' + text);
    // The file commands share one table: what this command takes without using it is named too, so the help
    // says exactly what the parser accepts. (--terraform is refused by name outside decrypt.)
    const rest = listed ? Object.keys(cmd.options).filter((n) => !listed(n) && !cmd.options![n].hidden && n !== 'terraform') : [];
    if (rest.length) parts.push(foldWords(`\nAccepted without effect here (shared with the other file commands): ${rest.map((n) => `--${n}`).join(', ')}`));
  }
  return parts.join('\n');
}

/** Text folded at 116 columns on spaces. */
function foldWords(text: string): string {
  const out: string[] = [];
  let line = '';
  for (const w of text.split(' ')) {
    if (line && line.length + 1 + w.length > 116) {
      out.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  return [...out, line].join('\n');
}

function wantsHelp(argv: readonly string[]): boolean {
  return argv[0] === '--help' || argv[0] === '-h';
}

/** The trained code cache that fits `cmd` run with `argv`, if any (the CLI's entry picks it before the command loads). */
export function codeCacheOf(cmd: Command, argv: readonly string[]): CodeCache | undefined {
  return typeof cmd.codeCache === 'function' ? cmd.codeCache(argv) : cmd.codeCache;
}

/** Parses, helps, quiets and runs one command; every error ends as one reported line and its exit code. */
export async function runCommand(cmd: Command, name: string, argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  try {
    const ctx: CommandContext = { name, argv, env, args: undefined as unknown as FileCommandArgs, values: {}, positionals: [] };
    if (cmd.parse === 'raw') {
      if (wantsHelp(argv)) {
        process.stdout.write(helpPage(cmd) + '\n');
        return 0;
      }
      return await cmd.run(ctx);
    }
    if (cmd.parse === 'file') {
      const { parseFileCommand } = await import('./args.js');
      const args = parseFileCommand(argv, env, name, cmd.options);
      ctx.args = args;
      ctx.values = args.values;
      ctx.positionals = args.files;
    } else {
      const p = parseOwn(argv, cmd.options ?? {});
      ctx.values = p.values;
      ctx.positionals = p.positionals;
    }
    if (ctx.values.help) {
      process.stdout.write(helpPage(cmd) + '\n');
      return 0;
    }
    if (ctx.values.quiet) {
      setQuiet(true);
      env.HELM_SECRETS_QUIET = 'true';
    }
    return await cmd.run(ctx);
  } catch (err) {
    return reportError(err);
  }
}

/**
 * The per-file loop of the file commands: each file's error is reported on its own line, naming the file, and the
 * loop goes on; the exit code is the first failure's.
 */
export async function eachFile(files: readonly string[], one: (file: string) => Promise<void>): Promise<number> {
  let code = 0;
  for (const file of files) {
    try {
      await one(file);
    } catch (err) {
      const c = reportError(err, file === '-' ? undefined : file);
      if (code === 0) code = c;
    }
  }
  return code;
}
