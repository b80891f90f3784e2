// helm-secrets' backend arguments (`-a`, `--backend-args`, HELM_SECRETS_BACKEND_ARGS): extra sops flags for every
// engine call. They are read here, once: split into words as a shell would (quotes removed, src/shellwords.ts), then each flag is
// either one sops flag that has a meaning for the command at hand, or refused by name (never silently dropped).
import { ExitCode, SopsError } from '../errors.js';
import { keyFlags } from '../keys/registry.js';
import { shellWords } from '../shellwords.js';
import { runBackendName } from './runbackend.js';

/** What an engine call does; decides which sops flags apply. */
export type BackendPurpose = 'decrypt' | 'encrypt';

/** sops flags that take a value, and whether they apply to encryption only. */
const VALUE_FLAGS: Readonly<Record<string, 'any' | 'encrypt'>> = {
  '--input-type': 'any',
  '--output-type': 'any',
  '--indent': 'any',
  '--config': 'any',
  '--decryption-order': 'any',
  '--key-timeout': 'any',
  '--encryption-context': 'encrypt',
  '--aws-profile': 'encrypt',
  '--unencrypted-suffix': 'encrypt',
  '--encrypted-suffix': 'encrypt',
  '--unencrypted-regex': 'encrypt',
  '--encrypted-regex': 'encrypt',
  '--unencrypted-comment-regex': 'encrypt',
  '--encrypted-comment-regex': 'encrypt',
  '--shamir-secret-sharing-threshold': 'encrypt',
};

/** sops switches (no value). */
const SWITCH_FLAGS: Readonly<Record<string, 'any' | 'encrypt'>> = {
  '--verbose': 'any',
  '--ignore-mac': 'any',
  '--mac-only-encrypted': 'encrypt',
};

/** The long name of a one-letter key flag (`-a` is `--age`), from each key kind's flag (src/keys/registry.ts). */
function longName(name: string): string {
  const flag = keyFlags().find((f) => f.short !== undefined && `-${f.short}` === name);
  return flag ? `--${flag.name}` : name;
}

/** Key flags take a value and apply to encryption only. */
function keyFlagKind(name: string): 'encrypt' | undefined {
  return keyFlags().some((f) => `--${f.name}` === name) ? 'encrypt' : undefined;
}

/** Why a sops flag we know has no place in backend arguments: helm-secrets itself decides these. */
const OWN: Readonly<Record<string, string>> = {
  '-e': 'helm-secrets chooses the operation',
  '--encrypt': 'helm-secrets chooses the operation',
  '-d': 'helm-secrets chooses the operation',
  '--decrypt': 'helm-secrets chooses the operation',
  '-r': 'helm-secrets chooses the operation',
  '--rotate': 'helm-secrets chooses the operation',
  '-s': 'helm-secrets chooses the operation',
  '--show-master-keys': 'helm-secrets chooses the operation',
  '--set': 'helm-secrets chooses the operation',
  '--unset': 'helm-secrets chooses the operation',
  '-i': 'helm-secrets chooses where the result goes',
  '--in-place': 'helm-secrets chooses where the result goes',
  '--output': 'helm-secrets chooses where the result goes',
  '--extract': 'helm-secrets decrypts whole files',
  '--filename-override': 'helm-secrets names the file',
};

function badArgs(cause: string): SopsError {
  return new SopsError(`backend arguments (-a, --backend-args, HELM_SECRETS_BACKEND_ARGS): ${cause}`, ExitCode.Generic);
}

/**
 * The backend arguments of `env` as sops flags in their long `--name=value` / `--name` form, checked for `purpose`.
 * `command` names the command in messages. Throws, naming the flag, for anything that is not a sops flag that
 * applies: a positional word, an unknown flag, a flag helm-secrets decides itself, an encryption flag when decrypting.
 * None when the run's backend is not sops: with vals or a script they are that backend's (vals flags, the script's
 * SECRET_BACKEND_ARGS), so the engine, which still decrypts a `sops!` reference in such a run, takes none of them.
 */
export function backendArgs(env: NodeJS.ProcessEnv, purpose: BackendPurpose, command: string): string[] {
  if (runBackendName(env) !== 'sops') return [];
  const raw = env.HELM_SECRETS_BACKEND_ARGS;
  if (!raw || raw.trim() === '') return [];
  const words = shellWords(raw);
  if (!words) throw badArgs('an unterminated quote or a trailing backslash');
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    const eq = word.startsWith('--') ? word.indexOf('=') : -1;
    const name0 = eq < 0 ? word : word.slice(0, eq);
    const name = longName(name0);
    const own = OWN[name];
    if (own) throw badArgs(`${name0} does not apply: ${own}`);
    const valueKind = VALUE_FLAGS[name] ?? keyFlagKind(name);
    const switchKind = SWITCH_FLAGS[name];
    if (valueKind === undefined && switchKind === undefined) {
      throw badArgs(name0.startsWith('-') ? `${name0} is not a sops flag helm-secrets knows` : `${JSON.stringify(word)} is not a flag (no file names here)`);
    }
    const kind = (valueKind ?? switchKind);
    if (kind === 'encrypt' && purpose === 'decrypt') throw badArgs(`${name0} applies to encryption only, not to ${command}`);
    if (switchKind !== undefined) {
      if (eq >= 0) throw badArgs(`${name0} takes no value`);
      out.push(name);
      continue;
    }
    let value: string;
    if (eq >= 0) value = word.slice(eq + 1);
    else {
      if (i + 1 >= words.length) throw badArgs(`${name0} needs a value`);
      value = words[++i]!;
    }
    out.push(`${name}=${value}`);
  }
  return out;
}

/** The engine options that backend arguments can set when decrypting (the helm wrapper and the getter). */
export interface BackendDecryptOptions {
  verbose: boolean;
  ignoreMac: boolean;
  inputType?: string;
  outputType?: string;
  indent?: number;
  configPath?: string;
  decryptionOrder?: string;
  keyTimeoutMs?: number;
}

/** backendArgs(env, 'decrypt') read into engine options, for callers that do not parse a command line. */
export function backendDecryptOptions(env: NodeJS.ProcessEnv, command: string): BackendDecryptOptions {
  const o: BackendDecryptOptions = { verbose: false, ignoreMac: false };
  for (const flag of backendArgs(env, 'decrypt', command)) {
    const eq = flag.indexOf('=');
    const name = eq < 0 ? flag : flag.slice(0, eq);
    const value = eq < 0 ? '' : flag.slice(eq + 1);
    if (name === '--verbose') o.verbose = true;
    else if (name === '--ignore-mac') o.ignoreMac = true;
    else if (name === '--input-type') o.inputType = value;
    else if (name === '--output-type') o.outputType = value;
    else if (name === '--config') o.configPath = value;
    else if (name === '--decryption-order') o.decryptionOrder = value;
    else if (name === '--indent') o.indent = wholeNumber(name, value, 0, 16);
    else if (name === '--key-timeout') o.keyTimeoutMs = wholeNumber(name, value, 1, 3600) * 1000;
  }
  return o;
}

function wholeNumber(name: string, v: string, min: number, max: number): number {
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw badArgs(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return Number(v);
}
