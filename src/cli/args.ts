// Parsing of the file commands' options (sops's flags plus helm-secrets's), into engine options.
// Strict: an unknown flag is an error naming it, so typos never silently change what gets encrypted.
import { parseArgs } from 'node:util';
import { ExitCode, SopsError } from '../errors.js';
import type { CommonOptions, EncryptFlags } from '../engine.js';
import { RULE_KINDS, type EncryptionRule } from '../sops/rules.js';
import { backendArgs } from '../config/backendargs.js';
import { setVerbose } from '../log.js';
import { keyFlags } from '../keys/registry.js';

/** Commands whose engine call encrypts new content, so key and rule flags apply to them. */
const ENCRYPTING = new Set(['encrypt', 'enc', 'edit']);

const OPTIONS = {
  'in-place': { type: 'boolean', short: 'i' },
  output: { type: 'string' },
  'input-type': { type: 'string' },
  'output-type': { type: 'string' },
  extract: { type: 'string' },
  'ignore-mac': { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
  config: { type: 'string' },
  indent: { type: 'string' },
  'encryption-context': { type: 'string' },
  'aws-profile': { type: 'string' },
  'unencrypted-suffix': { type: 'string' },
  'encrypted-suffix': { type: 'string' },
  'unencrypted-regex': { type: 'string' },
  'encrypted-regex': { type: 'string' },
  'unencrypted-comment-regex': { type: 'string' },
  'encrypted-comment-regex': { type: 'string' },
  'mac-only-encrypted': { type: 'boolean' },
  'shamir-secret-sharing-threshold': { type: 'string' },
  'decryption-order': { type: 'string' },
  'key-timeout': { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  verbose: { type: 'boolean' },
  terraform: { type: 'boolean' },
} as const;

/** Each key kind's flag (src/keys/registry.ts): repeatable, with its one-letter alias. */
function keyOptions() {
  return Object.fromEntries(
    keyFlags().map((f) => [f.name, { type: 'string' as const, multiple: true as const, ...(f.short ? { short: f.short } : {}) }]),
  );
}

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
  common: CommonOptions;
  flags: EncryptFlags;
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

/** `command` names the command for messages; only `decrypt` takes --terraform. */
export function parseFileCommand(argv: string[], env: NodeJS.ProcessEnv, command = ''): FileCommandArgs {
  // Backend arguments come first, as helm-secrets puts them before its own flags: the command's own flags win.
  const extra = backendArgs(env, ENCRYPTING.has(command) ? 'encrypt' : 'decrypt', command || 'this command');
  let parsed;
  try {
    parsed = parseArgs({ args: [...extra, ...argv], options: { ...OPTIONS, ...keyOptions() }, allowPositionals: true, strict: true });
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0].replace(/\. To specify a positional argument.*$/, '');
    throw new SopsError(msg, ExitCode.Generic);
  }
  const v = parsed.values;
  if (v.verbose) setVerbose(true);
  if (v.terraform && command !== 'decrypt') {
    throw new SopsError(`--terraform applies to decrypt only${command ? `, not ${command}` : ''}`, ExitCode.ConflictingParameters);
  }
  const rules: EncryptionRule[] = [];
  for (const kind of RULE_KINDS) {
    const flag = kind.replace(/_/g, '-') as keyof typeof v;
    const val = v[flag];
    if (typeof val === 'string') rules.push({ kind, value: val });
  }
  if (rules.length > 1) {
    throw new SopsError(`cannot use more than one of ${rules.map((r) => '--' + r.kind.replace(/_/g, '-')).join(', ')}`, ExitCode.ConflictingParameters);
  }
  if (v['in-place'] && v.output) throw new SopsError('cannot use --in-place and --output together', ExitCode.ConflictingParameters);
  const timeout = intOption('key-timeout', v['key-timeout'], 1, 3600);
  if (v['decryption-order']) env = { ...env, SOPS_DECRYPTION_ORDER: v['decryption-order'] };
  // sops's updatekeys takes no decryption order and does not look at it.
  if (command !== 'updatekeys') checkDecryptionOrder(env.SOPS_DECRYPTION_ORDER);
  const common: CommonOptions = {
    env,
    inputType: v['input-type'],
    outputType: v['output-type'],
    ignoreMac: !!v['ignore-mac'],
    indent: intOption('indent', v.indent, 0, 16),
    configPath: v.config,
    keyTimeoutMs: timeout !== undefined ? timeout * 1000 : undefined,
  };
  const flags: EncryptFlags = {
    keys: Object.fromEntries(keyFlags().map((f) => [f.name, list((v as Record<string, unknown>)[f.name] as string[] | undefined)])),
    encryptionContext: v['encryption-context'],
    awsProfile: v['aws-profile'],
    rule: rules[0],
    macOnlyEncrypted: v['mac-only-encrypted'] ? true : undefined,
    shamirThreshold: intOption('shamir-secret-sharing-threshold', v['shamir-secret-sharing-threshold'], 1, 255),
  };
  return {
    files: parsed.positionals,
    inPlace: !!v['in-place'],
    output: v.output,
    extract: v.extract,
    terraform: !!v.terraform,
    quiet: !!v.quiet,
    help: !!v.help,
    yes: !!v.yes,
    common,
    flags,
  };
}
