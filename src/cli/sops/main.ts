// bin/sops: the sops 3.13 command line (its subcommands and the older -e/-d/-r/--set/edit-by-default form) over this
// project's engine and commands, with sops's messages and exit codes, so tools that run `sops` can be pointed at it.
// This module only parses and maps: encrypt and decrypt call the engine (src/engine.ts) with the flags mapped by
// the file-command parser (../args.ts); edit, set, unset, rotate, updatekeys, exec-env, exec-file, filestatus and
// groups run the plugin's own commands (../commands.ts) with their options spelled as those commands take them.
// sops's own argument checks come first, in its words. Messages are printed as sops prints them: the bare message.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ExitCode, SopsError, asSopsError } from '../../errors.js';
import type { FileCommandArgs } from '../args.js';
import { parseTreePath } from '../../sops/treepath.js';
import { lockOptions, reportError, setStyle, warn } from '../console.js';
import { flags, isSet, last, parseFlags, type FlagSpec, type ParsedFlags } from './flags.js';
import { SOPS_COMMANDS, SOPS_HELP, SOPS_VERSION, commandHelp } from './help.js';
import { COMPLETION_FLAG, completionScript, completions } from './completion.js';
import { kindsInFlagOrder } from '../../keys/registry.js';
import { writeStderr, writeStdout } from '../../stdio.js';

const KEYSERVICE = [...flags('bool', 'enable-local-keyservice'), ...flags('slice', 'keyservice')];
/** The key kinds' flags (src/keys/registry.ts), in sops's order, with their one-letter aliases. */
const KIND_FLAGS = kindsInFlagOrder().map((k) => k.flag);
const KIND_NAMES = KIND_FLAGS.map((f) => f.name);
const KEYS = flags('string', ...KIND_FLAGS.map((f) => (f.short ? `${f.name},${f.short}` : f.name)), 'aws-profile');
const RULES = [
  ...flags('string', 'unencrypted-suffix', 'encrypted-suffix', 'unencrypted-regex', 'encrypted-regex', 'encryption-context'),
  ...flags('int', 'shamir-secret-sharing-threshold'),
];
const TYPES = flags('string', 'input-type', 'output-type');
const ADD_RM = flags('string', ...KIND_NAMES.flatMap((k) => [`add-${k}`, `rm-${k}`]));
/** sops's app-level flags that its subcommands read too (c.GlobalString): accepted on either side of the name. */
const SHARED = [
  ...flags('bool', 'mac-only-encrypted', 'verbose'),
  ...flags('string', 'unencrypted-comment-regex', 'encrypted-comment-regex', 'config'),
  ...flags('int', 'indent'),
];
const ORDER = flags('string', 'decryption-order');

/** The app level: the legacy modes and every option they take. */
const APP = [
  ...flags('bool', 'decrypt,d', 'encrypt,e', 'rotate,r', 'disable-version-check', 'check-for-updates', 'in-place,i', 'show-master-keys,s', 'ignore-mac', 'help,h', 'version,v'),
  ...KEYS,
  ...flags('string', 'extract', 'set', 'output', 'filename-override'),
  ...TYPES,
  ...ADD_RM,
  ...RULES,
  ...SHARED,
  ...ORDER,
  ...KEYSERVICE,
];

const COMMANDS: Record<string, FlagSpec[]> = {
  encrypt: [...flags('bool', 'in-place,i'), ...flags('string', 'output', 'filename-override'), ...KEYS, ...TYPES, ...RULES, ...KEYSERVICE],
  decrypt: [...flags('bool', 'in-place,i', 'ignore-mac'), ...flags('string', 'extract', 'output', 'filename-override'), ...TYPES, ...ORDER, ...KEYSERVICE],
  edit: [...KEYS, ...TYPES, ...RULES, ...flags('bool', 'show-master-keys,s', 'ignore-mac'), ...ORDER, ...KEYSERVICE],
  set: [...TYPES, ...flags('bool', 'value-file', 'value-stdin', 'ignore-mac', 'idempotent'), ...flags('int', 'shamir-secret-sharing-threshold'), ...ORDER, ...KEYSERVICE],
  unset: [...TYPES, ...flags('bool', 'ignore-mac', 'idempotent'), ...flags('int', 'shamir-secret-sharing-threshold'), ...ORDER, ...KEYSERVICE],
  // -r/--recursive (a directory: every sops file below it) goes beyond sops, which has no such flag on these two.
  rotate: [...flags('bool', 'in-place,i', 'recursive,r'), ...flags('string', 'output', 'encryption-context', 'filename-override'), ...TYPES, ...ADD_RM, ...ORDER, ...KEYSERVICE],
  updatekeys: [...flags('bool', 'yes,y', 'recursive,r'), ...flags('string', 'input-type'), ...KEYSERVICE],
  'exec-env': [...flags('bool', 'background', 'pristine', 'same-process'), ...flags('string', 'user'), ...ORDER, ...KEYSERVICE],
  'exec-file': [...flags('bool', 'background', 'no-fifo'), ...flags('string', 'user', 'filename'), ...TYPES, ...ORDER, ...KEYSERVICE],
  filestatus: flags('string', 'input-type'),
  'groups add': [
    ...flags('string', 'file,f', 'aws-profile', 'encryption-context'),
    ...flags('slice', ...KIND_NAMES),
    ...flags('bool', 'in-place,i'),
    ...flags('int', 'shamir-secret-sharing-threshold'),
    ...KEYSERVICE,
  ],
  'groups delete': [...flags('string', 'file,f'), ...flags('bool', 'in-place,i'), ...flags('int', 'shamir-secret-sharing-threshold'), ...KEYSERVICE],
};

/** Options the file-command parser (../args.ts) takes under the same name: passed on as `--name=value`. */
const FORWARD = new Set([
  'in-place', 'output', 'input-type', 'output-type', 'extract', 'ignore-mac', 'config', 'indent', ...KIND_NAMES, 'encryption-context', 'aws-profile', 'unencrypted-suffix', 'encrypted-suffix',
  'unencrypted-regex', 'encrypted-regex', 'unencrypted-comment-regex', 'encrypted-comment-regex', 'mac-only-encrypted',
  'shamir-secret-sharing-threshold', 'decryption-order', 'yes', 'verbose', 'filename-override', 'show-master-keys',
  'value-file', 'value-stdin', 'idempotent', 'recursive', 'background', 'pristine', 'user', 'no-fifo', 'filename', 'file',
  ...KIND_NAMES.flatMap((k) => [`add-${k}`, `rm-${k}`]),
]);

/** The parsed flags spelled for the plugin's commands; `only` limits them to what that command takes. */
function forward(p: ParsedFlags, only?: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const [name, vals] of p.values) {
    if (!FORWARD.has(name) || (only && !only(name))) continue;
    const kind = p.kinds.get(name);
    if (kind === 'bool') {
      if (vals[vals.length - 1] === 'true') out.push(`--${name}`);
    } else if (kind === 'slice') for (const v of vals) out.push(`--${name}=${v}`);
    // A string or int flag given twice: the last one counts, as in Go.
    else out.push(`--${name}=${vals[vals.length - 1]}`);
  }
  return out;
}

/** sops's environment: no helm-secrets settings (backend arguments, quiet, prefixes) reach the commands. */
function sopsEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (!k.startsWith('HELM_SECRETS_')) out[k] = v;
  return out;
}

function warnExtraPositionals(positionals: string[]): void {
  if (positionals.length <= 1) return;
  warn('More than one positional argument provided. Only the first one will be used!');
  const flagLike = positionals.slice(1).filter((a) => a.startsWith('-')).pop();
  if (flagLike) warn(`Note that one of the ignored positional argument is ${JSON.stringify(flagLike)}, which looks like a flag. Flags must always be provided before the first positional argument!`);
}

function nonExistent(file: string): SopsError {
  return new SopsError(`Error: cannot operate on non-existent file ${JSON.stringify(resolve(file))}`, ExitCode.NoFileSpecified);
}

function refuseKeyServices(p: ParsedFlags, env: NodeJS.ProcessEnv): void {
  const remote = [...(p.values.get('keyservice') ?? []), ...(env.SOPS_KEYSERVICE ? env.SOPS_KEYSERVICE.split(',') : [])].filter(Boolean);
  if (remote.length) {
    throw new SopsError('remote key services (--keyservice, SOPS_KEYSERVICE) are not supported by this sops: its keys are used locally', ExitCode.Generic);
  }
}

/** The file-command options (keys, rules, formats, config) as the plugin maps them, for one engine call. */
async function engineArgs(p: ParsedFlags, env: NodeJS.ProcessEnv, command: 'encrypt' | 'decrypt'): Promise<FileCommandArgs> {
  const argv = forward(p, (n) => n !== 'filename-override' && n !== 'in-place' && n !== 'output');
  const { parseFileCommand } = await import('../args.js');
  return parseFileCommand(argv, env, command);
}

/** What encrypt and decrypt use, loaded when one runs (--version and --help load none of it). */
async function engineParts() {
  const [engine, io, lock] = await Promise.all([import('../../engine.js'), import('../../io.js'), import('../../lock.js')]);
  return { ...engine, ...io, ...lock };
}

/** sops decrypt [file]: to stdout, --output FILE or in place (-i); stdin when no file is given. */
async function decrypt(p: ParsedFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const file = p.positionals[0];
  const inPlace = isSet(p, 'in-place');
  const output = last(p, 'output');
  if (file === undefined && inPlace) throw new SopsError('Error: cannot use --in-place when reading from stdin', ExitCode.ConflictingParameters);
  warnExtraPositionals(p.positionals);
  if (inPlace && output) throw new SopsError('Error: cannot operate on both --output and --in-place', ExitCode.ConflictingParameters);
  if (file !== undefined && !existsSync(file)) throw nonExistent(file);
  const args = await engineArgs(p, env, 'decrypt');
  const { decryptBytes, readAllStdin, readInput, withFileLock, writeAtomic } = await engineParts();
  const extract = last(p, 'extract');
  if (extract) {
    try {
      parseTreePath(extract);
    } catch (err) {
      throw new SopsError(`error parsing --extract path: ${(err as Error).message}`, ExitCode.InvalidTreePathFormat);
    }
  }
  const name = last(p, 'filename-override') ?? file ?? '';
  const run = async (): Promise<Uint8Array> => {
    const bytes = file === undefined ? await readAllStdin() : await readInput(file);
    return decryptBytes(bytes, name, { ...args.common, extract: extract || undefined, warn });
  };
  if (inPlace) {
    await withFileLock(file, lockOptions(args.common.env ?? env, 'decrypt -i'), async () => writeAtomic(file, await run()));
  } else if (output) await writeAtomic(output, await run(), 0o600);
  else await writeStdout(await run());
  return 0;
}

/** sops encrypt [file]: to stdout, --output FILE or in place (-i); stdin needs --filename-override. */
async function encrypt(p: ParsedFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const file = p.positionals[0];
  const inPlace = isSet(p, 'in-place');
  const output = last(p, 'output');
  const override = last(p, 'filename-override');
  if (file === undefined) {
    if (inPlace) throw new SopsError('Error: cannot use --in-place when reading from stdin', ExitCode.ConflictingParameters);
    if (!override) throw new SopsError('Error: must specify --filename-override when reading from stdin', ExitCode.ConflictingParameters);
  }
  warnExtraPositionals(p.positionals);
  if (inPlace && output) throw new SopsError('Error: cannot operate on both --output and --in-place', ExitCode.ConflictingParameters);
  if (file !== undefined && !existsSync(file)) throw nonExistent(file);
  const args = await engineArgs(p, env, 'encrypt');
  const { encryptBytes, readAllStdin, readInput, withFileLock, writeAtomic } = await engineParts();
  const name = override ?? file;
  const run = async (): Promise<Uint8Array> => {
    const bytes = file === undefined ? await readAllStdin() : await readInput(file);
    return encryptBytes(bytes, name, { ...args.common, flags: args.flags });
  };
  if (inPlace) {
    await withFileLock(file, lockOptions(args.common.env ?? env, 'encrypt -i'), async () => writeAtomic(file, await run()));
  } else if (output) await writeAtomic(output, await run());
  else await writeStdout(await run());
  return 0;
}

/** Runs one of the plugin's commands (src/cli/commands.ts) with the options spelled as it takes them. */
async function plugin(name: string, argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [{ runCommand }, { findCommand }] = await Promise.all([import('../command.js'), import('../commands.js')]);
  return runCommand(findCommand(name)!, name, argv, env);
}

async function edit(p: ParsedFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const file = p.positionals[0];
  if (file === undefined) throw new SopsError('Error: no file specified', ExitCode.NoFileSpecified);
  warnExtraPositionals(p.positionals);
  const code = await plugin('edit', [...forward(p), '--', file], env);
  // sops's words for an edit that changed nothing (the plugin's own notice is not printed under bin/sops).
  if (code === ExitCode.FileHasNotBeenModified) writeStderr('File has not changed, exiting.\n');
  return code;
}

async function set(p: ParsedFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const stdin = isSet(p, 'value-stdin');
  if (stdin && isSet(p, 'value-file')) throw new SopsError('Error: cannot use both --value-file and --value-stdin', ExitCode.Generic);
  if (stdin && p.positionals.length !== 2) {
    throw new SopsError('Error: file specified, or index and value are missing. Need precisely 2 positional arguments since --value-stdin is used.', ExitCode.NoFileSpecified);
  }
  if (!stdin && p.positionals.length !== 3) {
    throw new SopsError('Error: no file specified, or index and value are missing. Need precisely 3 positional arguments.', ExitCode.NoFileSpecified);
  }
  treePathOr(p.positionals[1], 'Invalid set index format');
  return plugin('set', [...forward(p, (n) => n !== 'shamir-secret-sharing-threshold'), '--', ...p.positionals], env);
}

async function unset(p: ParsedFlags, env: NodeJS.ProcessEnv): Promise<number> {
  if (p.positionals.length !== 2) throw new SopsError('Error: no file specified, or index is missing', ExitCode.NoFileSpecified);
  treePathOr(p.positionals[1], 'Invalid unset index format');
  return plugin('unset', [...forward(p, (n) => n !== 'shamir-secret-sharing-threshold'), '--', ...p.positionals], env);
}

function treePathOr(path: string, message: string): void {
  try {
    parseTreePath(path);
  } catch {
    throw new SopsError(message, ExitCode.InvalidSetFormat);
  }
}

/** sops rotate prints the result unless -i or --output is given; the plugin's rotate writes in place by default. */
async function rotate(p: ParsedFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const file = p.positionals[0];
  if (file === undefined) throw new SopsError('Error: no file specified', ExitCode.NoFileSpecified);
  warnExtraPositionals(p.positionals);
  const inPlace = isSet(p, 'in-place');
  const output = last(p, 'output');
  if (inPlace && output) throw new SopsError('Error: cannot operate on both --output and --in-place', ExitCode.ConflictingParameters);
  const changesKeys = ADD_RM.some((s) => last(p, s.names[0]));
  if (!existsSync(file)) {
    if (changesKeys) {
      throw new SopsError(`Error: cannot add or remove keys on non-existent file ${JSON.stringify(resolve(file))}, use the \`edit\` subcommand instead.`, ExitCode.CannotChangeKeysFromNonExistentFile);
    }
    throw nonExistent(file);
  }
  const argv = forward(p, (n) => n !== 'in-place' && n !== 'filename-override');
  return plugin('rotate', [...argv, ...(inPlace || output ? [] : ['--stdout']), '--', file], env);
}

async function updatekeys(p: ParsedFlags, env: NodeJS.ProcessEnv): Promise<number> {
  return plugin('updatekeys', [...forward(p), '--', ...p.positionals], env);
}

/** sops exec-env FILE COMMAND. --same-process (sops replaces itself with COMMAND) runs COMMAND as a child whose
 * exit status is passed on: Node cannot replace its own process. */
async function execEnv(p: ParsedFlags, env: NodeJS.ProcessEnv): Promise<number> {
  if (p.positionals.length !== 2) throw new SopsError('error: missing file to decrypt', ExitCode.Generic);
  if (isSet(p, 'same-process') && isSet(p, 'background')) {
    throw new SopsError('Error: The --same-process flag cannot be used with --background', ExitCode.ConflictingParameters);
  }
  return plugin('exec-env', [...forward(p), '--', ...p.positionals], env);
}

async function execFile(p: ParsedFlags, env: NodeJS.ProcessEnv): Promise<number> {
  if (p.positionals.length !== 2) throw new SopsError('error: missing file to decrypt', ExitCode.Generic);
  return plugin('exec-file', [...forward(p), '--', ...p.positionals], env);
}

async function filestatus(p: ParsedFlags, env: NodeJS.ProcessEnv): Promise<number> {
  if (p.positionals.length < 1) throw new SopsError('Error: no file specified', ExitCode.NoFileSpecified);
  return plugin('filestatus', [...forward(p), '--', p.positionals[0]], env);
}

/** sops groups add|delete: the subcommand's own flags, then the plugin's groups command. */
async function groups(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const sub = argv[0];
  if (sub !== 'add' && sub !== 'delete') {
    process.stdout.write((commandHelp('groups') ?? SOPS_HELP) + '\n');
    return sub === undefined ? 0 : 3;
  }
  const rest = argv.slice(1);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write((commandHelp('groups') ?? SOPS_HELP) + '\n');
    return 0;
  }
  const p = parseFlags(rest, COMMANDS[`groups ${sub}`], true);
  refuseKeyServices(p, env);
  if (sub === 'add' && p.positionals.length) throw new SopsError('error: no positional arguments allowed', ExitCode.Generic);
  if (sub === 'delete' && p.positionals.length !== 1) throw new SopsError('error: exactly one positional argument (index) required', ExitCode.Generic);
  return plugin('groups', [sub, ...forward(p), '--', ...p.positionals], env);
}

/** The older form: `sops [-e|-d|-r|--set 'PATH VALUE'] [-i] FILE`, and `sops FILE` to edit. */
async function legacy(p: ParsedFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const modes = ['encrypt', 'decrypt', 'rotate'].filter((m) => isSet(p, m));
  const setArg = last(p, 'set');
  if (setArg) modes.push('set');
  const file = p.positionals[0];
  if (file === undefined) throw new SopsError('Error: no file specified', ExitCode.NoFileSpecified);
  if (modes.length > 1) {
    warn('More than one command (--encrypt, --decrypt, --rotate, --set) has been specified. Only the changes made by the last one will be visible. Note that this behavior is deprecated and will cause an error eventually.');
  }
  if (!existsSync(file) && ADD_RM.some((s) => last(p, s.names[0]))) {
    throw new SopsError(`Error: cannot add or remove keys on non-existent file ${JSON.stringify(resolve(file))}, use \`--kms\` and \`--pgp\` instead.`, ExitCode.CannotChangeKeysFromNonExistentFile);
  }
  const mode = modes[modes.length - 1] ?? 'edit';
  if (mode === 'encrypt') return encrypt(p, env);
  if (mode === 'decrypt') return decrypt(p, env);
  if (mode === 'rotate') return rotate(p, env);
  if (mode === 'set') {
    // "PATH VALUE": the path ends at the first "] ".
    const at = setArg!.indexOf('] ');
    if (at < 0) throw new SopsError('Invalid --set format', ExitCode.InvalidSetFormat);
    const path = setArg!.slice(0, at + 1).trimEnd();
    const value = setArg!.slice(at + 2);
    treePathOr(path, 'Invalid --set format');
    if (!existsSync(file)) throw new SopsError(`Error reading file: open ${file}: no such file or directory`, ExitCode.CouldNotReadInputFile);
    const only = (n: string) => ['input-type', 'output-type', 'ignore-mac', 'decryption-order', 'config'].includes(n);
    return plugin('set', [...forward(p, only), '--', file, path, value], env);
  }
  return edit(p, env);
}

const SUBCOMMANDS: Record<string, (p: ParsedFlags, env: NodeJS.ProcessEnv) => Promise<number>> = {
  encrypt,
  decrypt,
  edit,
  set,
  unset,
  rotate,
  updatekeys,
  'exec-env': execEnv,
  'exec-file': execFile,
  filestatus,
};

/** sops's words for refusals the engine words its own way (matched on the engine's message, kept in this one table). */
const SOPS_WORDS: [RegExp, (m: RegExpMatchArray) => SopsError][] = [
  [/^no master keys were provided: the creation rule in .* has (no key groups|an empty key group)/, () => new SopsError('Could not generate data key: [empty key group provided]', ExitCode.Generic)],
];

function inSopsWords(err: unknown): unknown {
  if (!(err instanceof SopsError)) return err;
  for (const [re, make] of SOPS_WORDS) {
    const m = err.message.match(re);
    if (m) return make(m);
  }
  return err;
}

export async function sopsMain(argv: string[]): Promise<number> {
  setStyle('sops');
  const env = sopsEnv(process.env);
  if (argv[argv.length - 1] === COMPLETION_FLAG) {
    // A completion script asking what may follow the words typed so far (./completion.ts); nothing else runs.
    const tables = { app: APP, commands: COMMANDS, shared: SHARED, list: SOPS_COMMANDS, children: { groups: ['add', 'delete'], completion: ['bash', 'zsh'] } };
    const lines = completions(argv.slice(0, -1), tables, process.env._CLI_ZSH_AUTOCOMPLETE_HACK === '1');
    process.stdout.write(lines.map((l) => `${l}\n`).join(''));
    return 0;
  }
  try {
    const app = parseFlags(argv, [...APP], false);
    if (isSet(app, 'verbose')) (await import('../../log.js')).setVerbose(true);
    if (isSet(app, 'version')) {
      process.stdout.write(`sops ${SOPS_VERSION}\n`);
      return 0;
    }
    const name = app.positionals[0];
    if (isSet(app, 'help') || name === 'help') {
      const page = name === 'help' ? commandHelp(app.positionals[1] ?? '') : undefined;
      process.stdout.write((page ?? SOPS_HELP) + '\n');
      return 0;
    }
    if (name === undefined && !['decrypt', 'encrypt', 'rotate', 'set'].some((m) => last(app, m))) {
      // As sops: no file and no command prints the help and fails.
      process.stdout.write(SOPS_HELP + '\n');
      throw new SopsError('Error: no file specified', ExitCode.NoFileSpecified);
    }
    refuseKeyServices(app, env);
    if (name === 'publish' || name === 'keyservice') {
      throw new SopsError(`${name} is not supported by this sops (helm-secrets-ts): it has no ${name === 'publish' ? 'destinations to publish to' : 'key service server'}; use the sops binary for it`, ExitCode.Generic);
    }
    if (name === 'completion') {
      process.stdout.write(completionScript(app.positionals[1]));
      return 0;
    }
    if (name === 'groups') return await groups(app.positionals.slice(1), env);
    const sub = name !== undefined ? SUBCOMMANDS[name] : undefined;
    if (sub) {
      const rest = app.positionals.slice(1);
      if (rest.includes('--help') || rest.includes('-h')) {
        process.stdout.write((commandHelp(name) ?? SOPS_HELP) + '\n');
        return 0;
      }
      const p = parseFlags(rest, [...COMMANDS[name], ...SHARED], true);
      refuseKeyServices(p, env);
      // App-level options given before the subcommand (--config, --verbose, --indent, ...) apply to it too.
      for (const [k, v] of app.values) {
        if (p.values.has(k)) continue;
        p.values.set(k, v);
        p.kinds.set(k, app.kinds.get(k)!);
      }
      if (isSet(p, 'verbose')) (await import('../../log.js')).setVerbose(true);
      return await sub(p, env);
    }
    return await legacy(app, env);
  } catch (err) {
    return reportError(inSopsWords(asSopsError(err)));
  }
}
