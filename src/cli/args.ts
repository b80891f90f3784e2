// Parsing of the file commands' options (sops's flags plus helm-secrets's), into engine options.
// Strict: an unknown flag is an error naming it, so typos never silently change what gets encrypted.
import { ExitCode, SopsError } from '../errors.js';
import type { CommonOptions, EncryptFlags } from '../engine.js';
import { RULE_KINDS, type EncryptionRule } from '../sops/rules.js';
import { backendArgs } from '../config/backendargs.js';
import { setVerbose } from '../log.js';
import { keyFlags } from '../keys/registry.js';
import { fileOptions, parseOwn, type OptionTable, type OptionValues } from './options.js';

/** Commands whose engine call encrypts new content, so key and rule flags apply to them. */
const ENCRYPTING = new Set(['encrypt', 'enc', 'edit']);


export interface FileCommandArgs {
  files: string[];
  inPlace: boolean;
  output?: string;
  extract?: string;
  /** decrypt --terraform (helm-secrets): print {"content_base64": ...} for Terraform's external data source. */
  terraform: boolean;
  quiet: boolean;
  help: boolean;
  yes: boolean;
  /** --filename-override: the name that chooses the creation rule and the formats (stdin input, git filters). */
  filenameOverride?: string;
  common: CommonOptions;
  flags: EncryptFlags;
  /** Every parsed option, for the command's own flags beyond the shared ones. */
  values: OptionValues;
}

function intOption(name: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new SopsError(`--${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`, ExitCode.Generic);
  }
  return Number(v);
}

/** Splits "a,b" and repeated flags into one list, dropping empty entries. */
function list(v: string[] | undefined): string[] | undefined {
  if (!v) return undefined;
  const out = v.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  return out.length ? out : undefined;
}

/**
 * sops refuses a decryption order (flag or SOPS_DECRYPTION_ORDER) that names a key type twice, exit 112. It compares
 * the comma-separated entries as written (no trimming), so `age,age` and `,` are refused and `age, age` is not.
 */
export function checkDecryptionOrder(order: string | undefined): void {
  if (!order) return;
  const seen = new Set<string>();
  for (const kind of order.split(',')) {
    if (seen.has(kind)) throw new SopsError(`Duplicate decryption key type: ${kind}`, ExitCode.DuplicateDecryptionKeyType);
    seen.add(kind);
  }
}

/**
 * `command` names the command for messages; only `decrypt` takes --terraform. `table` is the command's options:
 * the file options (src/cli/options.ts), plus any of its own.
 */
export function parseFileCommand(argv: string[], env: NodeJS.ProcessEnv, command = '', table: OptionTable = fileOptions()): FileCommandArgs {
  // Backend arguments come first, as helm-secrets puts them before its own flags: the command's own flags win.
  // With another backend (vals, a script) they are that backend's, and backendArgs gives none.
  const extra = backendArgs(env, ENCRYPTING.has(command) ? 'encrypt' : 'decrypt', command || 'this command');
  const { values, positionals } = parseOwn([...extra, ...argv], table);
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k]) : undefined);
  const strs = (k: string): string[] | undefined => (Array.isArray(values[k]) ? (values[k] as string[]) : undefined);
  const on = (k: string): boolean => values[k] === true;
  if (on('verbose')) setVerbose(true);
  if (on('terraform') && command !== 'decrypt') {
    throw new SopsError(`--terraform applies to decrypt only${command ? `, not ${command}` : ''}`, ExitCode.ConflictingParameters);
  }
  const rules: EncryptionRule[] = [];
  for (const kind of RULE_KINDS) {
    const val = str(kind.replace(/_/g, '-'));
    if (typeof val === 'string') rules.push({ kind, value: val });
  }
  if (rules.length > 1) {
    throw new SopsError(`cannot use more than one of ${rules.map((r) => '--' + r.kind.replace(/_/g, '-')).join(', ')}`, ExitCode.ConflictingParameters);
  }
  if (on('in-place') && str('output')) throw new SopsError('cannot use --in-place and --output together', ExitCode.ConflictingParameters);
  const timeout = intOption('key-timeout', str('key-timeout'), 1, 3600);
  if (str('decryption-order')) env = { ...env, SOPS_DECRYPTION_ORDER: str('decryption-order') };
  // sops's updatekeys takes no decryption order and does not look at it.
  if (command !== 'updatekeys') checkDecryptionOrder(env.SOPS_DECRYPTION_ORDER);
  const common: CommonOptions = {
    env,
    inputType: str('input-type'),
    outputType: str('output-type'),
    ignoreMac: on('ignore-mac'),
    indent: intOption('indent', str('indent'), 0, 16),
    configPath: str('config'),
    keyTimeoutMs: timeout !== undefined ? timeout * 1000 : undefined,
  };
  const flags: EncryptFlags = {
    keys: Object.fromEntries(keyFlags().map((f) => [f.name, list(strs(f.name))])),
    encryptionContext: str('encryption-context'),
    awsProfile: str('aws-profile'),
    rule: rules[0],
    macOnlyEncrypted: on('mac-only-encrypted') ? true : undefined,
    shamirThreshold: intOption('shamir-secret-sharing-threshold', str('shamir-secret-sharing-threshold'), 1, 255),
  };
  return {
    files: positionals,
    filenameOverride: str('filename-override'),
    values,
    inPlace: on('in-place'),
    output: str('output'),
    extract: str('extract'),
    terraform: on('terraform'),
    quiet: on('quiet'),
    help: on('help'),
    yes: on('yes'),
    common,
    flags,
  };
}
