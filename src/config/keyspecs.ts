// Key flags and their environment variables turned into key specs, through each kind's descriptor (its flag, its
// variable, its key-string parser: src/keys/kinds/). Syntax follows sops: comma lists, `k:v` encryption contexts.

import { ExitCode, SopsError } from '../errors.js';
import { kindsInFlagOrder } from '../keys/registry.js';
import type { KeySpec } from '../keys/types.js';
import { keyIdentity } from '../sops/keyentry.js';

/** Splits a comma list; entries are trimmed and empty ones dropped (a trailing comma is harmless). */
export function splitList(list: string): string[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * `k:v,k2:v2` as given to --encryption-context. Returns undefined for an empty string;
 * throws (exit 6) when an entry is not exactly one key and one value.
 */
export function parseEncryptionContext(text: string | undefined): Record<string, string> | undefined {
  if (!text) return undefined;
  const out: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const kv = pair.split(':');
    if (kv.length !== 2) {
      throw new SopsError('Invalid KMS encryption context format (expected key:value,key2:value2)', ExitCode.InvalidKMSEncryptionContextFormat);
    }
    out[kv[0]] = kv[1]!;
  }
  return out;
}

/** The group without keys listed twice (same kind and naming fields: keyIdentity). */
export function dedupeGroup(group: KeySpec[]): KeySpec[] {
  const seen = new Set<string>();
  return group.filter((spec) => {
    const id = keyIdentity(spec);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** Key flags as the CLI collects them; a flag given several times contributes every value. */
export interface KeyFlags {
  /** Values of each kind's key flag, by the flag's long name (`age`, `gcp-kms`; src/keys/registry.ts keyFlags()). */
  keys?: Readonly<Record<string, readonly string[] | undefined>>;
  encryptionContext?: string;
  awsProfile?: string;
}

/**
 * The single key group given by key flags, each falling back to its own environment variable
 * (so `--age X` with SOPS_PGP_FP set gives both). Undefined when no key was given at all:
 * the caller then uses the creation rule. Order is sops's (registry: kindsInFlagOrder).
 */
export function keySpecsFromFlags(opts: KeyFlags, env: NodeJS.ProcessEnv): KeySpec[] | undefined {
  const lists = kindsInFlagOrder().map((kind) => {
    const given = (opts.keys?.[kind.flag.name] ?? []).filter((v) => v !== '').join(',');
    return { kind, values: splitList(given !== '' ? given : (env[kind.flag.env] ?? '')) };
  });
  const ctx = { context: parseEncryptionContext(opts.encryptionContext), awsProfile: opts.awsProfile ?? '' };
  const group = lists.flatMap(({ kind, values }) => values.map((v) => kind.fromString(v, ctx)));
  return group.length > 0 ? group : undefined;
}
