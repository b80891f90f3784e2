// Key strings (flags, environment variables, .sops.yaml) turned into key specs with metadata field names.
// Syntax follows sops: comma lists, `arn+roleArn`, Vault/Azure URLs, `region:uuid`, `k:v` encryption contexts.

import { ExitCode, SopsError } from '../errors.js';
import type { KeySpec } from '../keys/types.js';

function invalid(message: string): SopsError {
  return new SopsError(message, ExitCode.Generic);
}

/** Splits a comma list; entries are trimmed and empty ones dropped (a trailing comma is harmless). */
export function splitList(list: string): string[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

const BECH32 = /^[qpzry9x8gf2tvdw0s3jn54khce6mua7l]+$/;

/** One age recipient: X25519 `age1…`, post-quantum `age1pq1…`, plugin `age1<name>1…`, or an SSH public key. */
export function ageSpec(recipient: string): KeySpec {
  const r = recipient.trim();
  const lower = r.toLowerCase();
  if (lower.startsWith('age1pq1') || (lower.startsWith('age1') && lower.split('1').length > 2)) {
    // Post-quantum and plugin recipients are checked by the age key kind when wrapping.
  } else if (lower.startsWith('age1')) {
    // An X25519 recipient is exactly 32 bytes of Bech32: 58 data+checksum characters after "age1".
    if (lower.length !== 62 || !BECH32.test(lower.slice(4)) || (r !== lower && r !== r.toUpperCase())) {
      throw invalid(`failed to parse input as Bech32-encoded age public key: ${JSON.stringify(r)}`);
    }
  } else if (!r.startsWith('ssh-')) {
    throw invalid(`failed to parse input, unknown recipient type: ${JSON.stringify(r)}`);
  }
  return { kind: 'age', fields: { recipient: r } };
}

/** A PGP fingerprint; spaces are removed (a trailing `!` is kept). */
export function pgpSpec(fingerprint: string): KeySpec {
  return { kind: 'pgp', fields: { fp: fingerprint.replace(/ /g, '') } };
}

/**
 * An AWS KMS key from `arn[+roleArn]` (spaces removed). `context` and `awsProfile` apply to every key of a list,
 * as with --encryption-context and --aws-profile.
 */
export function kmsSpecFromString(text: string, context?: Record<string, string>, awsProfile = ''): KeySpec {
  let arn = text.replace(/ /g, '');
  let role: string | undefined;
  // ARN paths may hold '+' but never ':', so '+arn:' separates the key ARN from the role ARN.
  const at = arn.indexOf('+arn:');
  if (at > 0) {
    role = arn.slice(at + 1);
    arn = arn.slice(0, at);
  }
  return kmsSpec(arn, role, context, awsProfile);
}

/** An AWS KMS key from its parts (the key_groups object form). */
export function kmsSpec(arn: string, role?: string, context?: Record<string, string>, awsProfile = ''): KeySpec {
  const fields: Record<string, unknown> = { arn, aws_profile: awsProfile };
  if (role) fields.role = role;
  if (context && Object.keys(context).length > 0) fields.context = { ...context };
  return { kind: 'kms', fields };
}

export function gcpKmsSpec(resourceId: string): KeySpec {
  return { kind: 'gcp_kms', fields: { resource_id: resourceId.replace(/ /g, '') } };
}

/** An Azure Key Vault key; an empty version means "latest", resolved by the key kind when wrapping. */
export function azureKvSpec(vaultUrl: string, name: string, version = ''): KeySpec {
  return { kind: 'azure_kv', fields: { vault_url: vaultUrl, name, version } };
}

/** `https://<vault>/keys/<name>[/<version>]`. */
export function azureKvSpecFromUrl(url: string): KeySpec {
  const m = /^(https:\/\/[^/]+)\/keys\/([^/]+)(\/[^/]*)?$/.exec(url.trim());
  if (!m) throw invalid(`could not parse ${JSON.stringify(url.trim())} into a valid Azure Key Vault key URL (https://<vault>/keys/<name>[/<version>])`);
  return azureKvSpec(m[1]!, m[2]!, m[3] && m[3].length > 1 ? m[3].slice(1) : '');
}

const VAULT_EXAMPLE = 'https://vault.example.com:8200/v1/transit/keys/keyName';

/** A Vault/OpenBao transit key from `https://host:port/v1/<engine/path>/keys/<name>`. */
export function hcVaultSpecFromUri(uri: string): KeySpec {
  const text = uri.trim();
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)/.exec(text);
  if (!m) throw invalid(`missing scheme in Vault URL (should be like ${VAULT_EXAMPLE}), got: ${text}`);
  const path = m[3] || '/';
  if (/\/[^/]+\/v\d+\/[^/]+\/[^/]+\/[^/]+/.test(path)) {
    throw invalid(`running Vault with a prefixed URL is not supported (the format is ${VAULT_EXAMPLE}), got: ${text}`);
  }
  if (!/\/v\d+\/[^/]+\/[^/]+\/[^/]+/.test(path)) {
    throw invalid(`Vault key path is not formatted correctly (the format is ${VAULT_EXAMPLE}), got: ${text}`);
  }
  const dirs = path.replace(/^\/+|\/+$/g, '').split('/');
  const keyName = dirs[dirs.length - 1]!;
  // Go's path.Join drops empty segments.
  const enginePath = dirs.slice(1, dirs.length - 2).filter((d) => d !== '').join('/');
  return {
    kind: 'hc_vault',
    fields: { vault_address: `${m[1]!.toLowerCase()}://${m[2]}`, engine_path: enginePath, key_name: keyName },
  };
}

/** A HuaweiCloud KMS key `region:key-uuid`. */
export function hckmsSpec(keyId: string): KeySpec {
  const id = keyId.trim();
  const at = id.indexOf(':');
  if (at < 0) throw invalid(`invalid HuaweiCloud KMS key ID format: expected 'region:key-uuid', got ${JSON.stringify(id)}`);
  if (id.slice(0, at).trim() === '') throw invalid(`region cannot be empty in HuaweiCloud KMS key ID: ${JSON.stringify(id)}`);
  if (id.slice(at + 1).trim() === '') throw invalid(`key UUID cannot be empty in HuaweiCloud KMS key ID: ${JSON.stringify(id)}`);
  return { kind: 'hckms', fields: { key_id: id } };
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
    out[kv[0]!] = kv[1]!;
  }
  return out;
}

/** A stable identity for a key spec, so the same key listed twice in a group is kept once. */
export function specIdentity(spec: KeySpec): string {
  const canon = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])]))
      : v;
  return `${spec.kind}/${JSON.stringify(canon(spec.fields))}`;
}

export function dedupeGroup(group: KeySpec[]): KeySpec[] {
  const seen = new Set<string>();
  return group.filter((spec) => {
    const id = specIdentity(spec);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** Key flags as the CLI collects them; a flag given several times contributes every value. */
export interface KeyFlags {
  age?: string[];
  pgp?: string[];
  kms?: string[];
  gcpKms?: string[];
  azureKv?: string[];
  hcVaultTransit?: string[];
  hckms?: string[];
  encryptionContext?: string;
  awsProfile?: string;
}

/** Each key flag and the environment variable sops reads when the flag is absent. */
const FLAG_ENV = {
  kms: 'SOPS_KMS_ARN',
  gcpKms: 'SOPS_GCP_KMS_IDS',
  hckms: 'SOPS_HUAWEICLOUD_KMS_IDS',
  azureKv: 'SOPS_AZURE_KEYVAULT_URLS',
  pgp: 'SOPS_PGP_FP',
  hcVaultTransit: 'SOPS_VAULT_URIS',
  age: 'SOPS_AGE_RECIPIENTS',
} as const;

/**
 * The single key group given by key flags, each falling back to its own environment variable
 * (so `--age X` with SOPS_PGP_FP set gives both). Undefined when no key was given at all:
 * the caller then uses the creation rule. Order is sops's: kms, gcp_kms, hckms, azure_kv, pgp, hc_vault, age.
 */
export function keySpecsFromFlags(opts: KeyFlags, env: NodeJS.ProcessEnv): KeySpec[] | undefined {
  const value = (name: keyof typeof FLAG_ENV): string => {
    const given = (opts[name] ?? []).filter((v) => v !== '').join(',');
    return given !== '' ? given : (env[FLAG_ENV[name]] ?? '');
  };
  const lists = Object.fromEntries(Object.keys(FLAG_ENV).map((k) => [k, splitList(value(k as keyof typeof FLAG_ENV))])) as Record<
    keyof typeof FLAG_ENV,
    string[]
  >;
  const context = parseEncryptionContext(opts.encryptionContext);
  const group: KeySpec[] = [
    ...lists.kms.map((s) => kmsSpecFromString(s, context, opts.awsProfile ?? '')),
    ...lists.gcpKms.map(gcpKmsSpec),
    ...lists.hckms.map(hckmsSpec),
    ...lists.azureKv.map(azureKvSpecFromUrl),
    ...lists.pgp.map(pgpSpec),
    ...lists.hcVaultTransit.map(hcVaultSpecFromUri),
    ...lists.age.map(ageSpec),
  ];
  return group.length > 0 ? group : undefined;
}
