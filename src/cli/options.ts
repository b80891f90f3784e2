// The option tables of the commands, in node:util parseArgs form with a help line each: what a command accepts is
// what its help lists, both generated from these tables (src/cli/command.ts). Light: no engine, key code or stores
// here (the key kinds' descriptors, which give the key flags, are light).

import { parseArgs } from 'node:util';
import { ExitCode, SopsError } from '../errors.js';
import { keyFlags } from '../keys/registry.js';

/** One option: parseArgs's fields plus its help text and the name of its value. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Name of the value in help (`--age R`). */
  arg?: string;
  help: string;
  /** Heading of the group the option is listed under in help. */
  group?: string;
  /** Accepted but not listed (a spelling kept for compatibility, listed under another option). */
  hidden?: boolean;
}

export type OptionTable = Record<string, OptionSpec>;

const KEYS = 'Encryption options (override the creation rule of .sops.yaml; see also SOPS_* variables)';
const COMMON = 'Options for every file command';

/**
 * The master-key flags, one per key kind of the registry (src/keys/registry.ts keyFlags()): a new kind's descriptor
 * brings its flag without touching the commands. A kind that is not supported (hckms) keeps its flag, listed as not
 * supported, so that its descriptor refuses it with its reason (the help lists what the parser accepts).
 */
export function keyFlagOptions(group = KEYS): OptionTable {
  return Object.fromEntries(
    keyFlags().map((f): [string, OptionSpec] => [
      f.name,
      { type: 'string', ...(f.short ? { short: f.short } : {}), multiple: true, arg: f.valueName, group, help: `${f.help} (${f.env})` },
    ]),
  );
}

/** The key flags without their short spellings, renamed `PREFIX-KIND` (rotate's --add-age, groups add --age ...). */
export function prefixedKeyOptions(prefix: string, verb: string, group?: string): OptionTable {
  const out: OptionTable = {};
  for (const [name, spec] of Object.entries(keyFlagOptions(group))) {
    const { short: _short, ...rest } = spec;
    out[prefix ? `${prefix}-${name}` : name] = { ...rest, help: `${verb} ${spec.help.replace(/\s*\([A-Z_]+\)$/, '')}` };
  }
  return out;
}

/** Which values are encrypted (one rule), and the other settings of a new file. */
export function ruleOptions(group = KEYS): OptionTable {
  return {
    'encryption-context': { type: 'string', arg: 'K:V,K2:V2', group, help: 'AWS KMS encryption context' },
    'aws-profile': { type: 'string', arg: 'NAME', group, help: 'AWS profile for KMS' },
    'unencrypted-suffix': { type: 'string', arg: 'S', group, help: 'keys ending in S stay in clear text' },
    'encrypted-suffix': { type: 'string', arg: 'S', group, help: 'only keys ending in S are encrypted' },
    'unencrypted-regex': { type: 'string', arg: 'R', group, help: 'keys matching R stay in clear text' },
    'encrypted-regex': { type: 'string', arg: 'R', group, help: 'only keys matching R are encrypted' },
    'unencrypted-comment-regex': { type: 'string', arg: 'R', group, help: 'values after a comment matching R stay in clear text' },
    'encrypted-comment-regex': { type: 'string', arg: 'R', group, help: 'only values after a comment matching R are encrypted' },
    'mac-only-encrypted': { type: 'boolean', group, help: 'the MAC covers only encrypted values' },
    'shamir-secret-sharing-threshold': { type: 'string', arg: 'N', group, help: 'key groups needed to decrypt' },
  };
}

/** Options every file command takes. */
export function commonOptions(group = COMMON): OptionTable {
  return {
    'input-type': { type: 'string', arg: 'TYPE', group, help: 'yaml, json, dotenv, ini or binary (default: from the extension)' },
    'output-type': { type: 'string', arg: 'TYPE', group, help: 'output format (default: the input format)' },
    'filename-override': { type: 'string', arg: 'NAME', group, help: 'use NAME for .sops.yaml and the formats (when reading stdin: FILE is - or none)' },
    extract: { type: 'string', arg: 'PATH', group, help: `only this part of the tree, e.g. '["db"]["password"]' (a string leaf is printed raw)` },
    'ignore-mac': { type: 'boolean', group, help: 'do not verify the MAC (values are still authenticated); prints a warning' },
    indent: { type: 'string', arg: 'N', group, help: 'output indentation (YAML spaces, JSON spaces)' },
    config: { type: 'string', arg: 'FILE', group, help: 'use this .sops.yaml instead of the one nearest FILE (searched upward from its directory)' },
    'decryption-order': { type: 'string', arg: 'L', group, help: 'master key kinds to try first, e.g. age,pgp (SOPS_DECRYPTION_ORDER)' },
    'key-timeout': { type: 'string', arg: 'SEC', group, help: 'time limit of one call to a key service' },
    verbose: { type: 'boolean', group, help: "sops's log of key attempts on stderr" },
    yes: { type: 'boolean', short: 'y', group, help: 'apply without asking (updatekeys)' },
    quiet: { type: 'boolean', short: 'q', group, help: 'no [helm-secrets] messages (HELM_SECRETS_QUIET=true)' },
    help: { type: 'boolean', short: 'h', group, help: 'this help' },
  };
}

/** Where a result goes. */
export function outputOptions(): OptionTable {
  return {
    'in-place': { type: 'boolean', short: 'i', help: 'replace FILE with the result (atomic)' },
    output: { type: 'string', arg: 'FILE', help: 'write the result to FILE' },
    terraform: { type: 'boolean', help: 'print {"content_base64":"..."} for Terraform\'s external data source (decrypt, one FILE)' },
  };
}

/** Everything the file commands accept (one table, so a flag is refused or taken the same way by every one of them). */
export function fileOptions(): OptionTable {
  return { ...outputOptions(), ...keyFlagOptions(), ...ruleOptions(), ...commonOptions() };
}

type ParseArgsOptions = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

/**
 * The table in the form node:util parseArgs takes, limited to the options `argv` can name: parseArgs looks an option
 * up only by a name or a short letter written in a token (`--name`, `--name=v`, each letter of `-abc`), so the others
 * change neither its result nor its errors, and checking their specs cost a cold parse about 0.6 ms (a file
 * command's table has 33). test/unit/parse-args.test.ts compares the two tables on random command lines.
 */
export function parseArgsOptions(table: OptionTable, argv?: readonly string[]): ParseArgsOptions {
  // Every long name and short letter written on the line (`--name` and `--name=v` give name; `-abc` gives a, b, c).
  const named = new Set<string>();
  for (const t of argv ?? []) {
    if (t.startsWith('--')) named.add(`--${t.slice(2).split('=', 1)[0]}`);
    else if (t.startsWith('-')) for (const c of t.slice(1)) named.add(`-${c}`);
  }
  const out: ParseArgsOptions = {};
  for (const [name, o] of Object.entries(table)) {
    if (argv && !named.has(`--${name}`) && !(o.short && named.has(`-${o.short}`))) continue;
    out[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  return out;
}

/** A help line folded at 116 columns, continued under the help column. */
function wrap(line: string): string {
  const out: string[] = [];
  let rest = line;
  while (rest.length > 116) {
    const cut = rest.lastIndexOf(' ', 116);
    if (cut <= 24) break;
    out.push(rest.slice(0, cut));
    rest = ' '.repeat(24) + rest.slice(cut + 1);
  }
  out.push(rest);
  return out.join('\n');
}

/** Help lines for a table, grouped under their headings (options without a group first, under `heading`). */
export function renderOptions(table: OptionTable, heading = 'Options', only?: (name: string, spec: OptionSpec) => boolean): string {
  const groups = new Map<string, string[]>();
  for (const [name, o] of Object.entries(table)) {
    if (o.hidden || (only && !only(name, o))) continue;
    const flag = `${o.short ? `-${o.short}, ` : ''}--${name}${o.arg ? ` ${o.arg}` : ''}`;
    const line = wrap(flag.length < 22 ? `  ${flag.padEnd(22)}${o.help}` : `  ${flag}   ${o.help}`);
    const g = o.group ?? heading;
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push(line);
  }
  return [...groups].map(([g, lines]) => `${g}:\n${lines.join('\n')}`).join('\n\n');
}

/**
 * helm-secrets' options before the command. main.ts reads them in order (each may stop at the command word, and
 * `--name [true|false]` takes its value only when it is one of those words), so they are listed here for the help
 * and completions, and read by main.ts's loop, which names each of them.
 */
export function globalOptions(): OptionTable {
  const group = 'Available Options (before the command)';
  return {
    quiet: { type: 'boolean', short: 'q', group, help: 'no [helm-secrets] messages (HELM_SECRETS_QUIET)' },
    'backend-args': { type: 'string', short: 'a', arg: 'ARGS', group, help: 'the backend\'s flags (sops: e.g. -a "--verbose"; refused by name when they do not apply) (HELM_SECRETS_BACKEND_ARGS)' },
    backend: { type: 'string', short: 'b', arg: 'NAME', group, help: 'secret backend: sops (default), vals, noop, or a script path (HELM_SECRETS_BACKEND)' },
    'ignore-missing-values': { type: 'string', arg: '[true|false]', group, help: 'missing values files count as empty (HELM_SECRETS_IGNORE_MISSING_VALUES)' },
    'decrypt-secrets-in-tmp-dir': { type: 'string', arg: '[true|false]', group, help: 'hand helm decrypted values as files in a private temporary directory instead of a pipe (HELM_SECRETS_DECRYPT_SECRETS_IN_TMP_DIR)' },
    'evaluate-templates': { type: 'string', arg: '[true|false]', group, help: 'resolve ref+…:// in the rendered manifests (HELM_SECRETS_EVALUATE_TEMPLATES)' },
    'evaluate-templates-decode-secrets': { type: 'string', arg: '[true|false]', group, help: 'and inside base64 Secret data' },
    help: { type: 'boolean', short: 'h', group, help: 'this help' },
    version: { type: 'boolean', short: 'v', group, help: 'print the version' },
  };
}

/** What parseArgs read, by option name. */
export type OptionValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

/** A command's table, strictly (an unknown flag is an error naming it, in one line). */
export function parseOwn(argv: string[], table: OptionTable): { values: OptionValues; positionals: string[] } {
  try {
    const p = parseArgs({ args: argv, options: parseArgsOptions(table, argv), allowPositionals: true, strict: true });
    return { values: p.values as OptionValues, positionals: p.positionals };
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0].replace(/\. To specify a positional argument.*$/, '');
    throw new SopsError(msg, ExitCode.Generic);
  }
}
