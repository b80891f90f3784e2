// The list of master-key kinds and everything derived from it: the entry schemas the format reads and writes, the
// key flags and their variables, the orders sops uses, labels and loading. Each kind is one descriptor module in
// ./kinds/ (light: no SDK, no I/O at import); its wrap/unwrap are imported the first time a file or rule uses it.
// A new kind is its module plus one line in KINDS (or, for a test or an extension, one registerKind call).
import type { EntrySchema, KeyFields } from '../sops/keyentry.js';
import { age } from './kinds/age.js';
import { awsKms } from './kinds/awskms.js';
import { azureKv } from './kinds/azurekv.js';
import { gcpKms } from './kinds/gcpkms.js';
import { hckms } from './kinds/hckms.js';
import { hcVault } from './kinds/hcvault.js';
import { pgp } from './kinds/pgp.js';
import type { KeyFlag, KeyOps, KindDescriptor } from './types.js';

/**
 * The kinds, in sops's internal order inside a group (stores.internalGroupFrom): the emission order of group lists
 * and the fallback decryption order after --decryption-order.
 */
const KINDS: KindDescriptor[] = [awsKms, gcpKms, hckms, azureKv, hcVault, pgp, age];

// sops builds a group from key flags, and from a creation rule, in orders of its own (the order keys are wrapped
// and reported in). A kind not listed comes after these, in KINDS order.
const FLAG_ORDER: readonly KindDescriptor[] = [awsKms, gcpKms, hckms, azureKv, pgp, hcVault, age];
const RULE_ORDER: readonly KindDescriptor[] = [age, pgp, awsKms, gcpKms, hckms, azureKv, hcVault];

/** Default decryption order (sops: SOPS_DECRYPTION_ORDER, default "age,pgp"). */
export const DEFAULT_DECRYPTION_ORDER: readonly string[] = [age.id, pgp.id];

let schemas: readonly EntrySchema[] | undefined;

/**
 * Adds a kind (after the built-in ones in sops's internal order). For kinds that live outside this list: a test's
 * throwaway kind, an extension. A kind whose field is already known is refused.
 */
export function registerKind(kind: KindDescriptor): void {
  if (KINDS.some((k) => k.entry.field === kind.entry.field || k.flag.name === kind.flag.name)) {
    throw new Error(`key kind "${kind.entry.field}" (--${kind.flag.name}) is already registered`);
  }
  KINDS.push(kind);
  schemas = undefined;
}

/** Removes a kind added by registerKind (tests clean up after themselves). */
export function unregisterKind(field: string): void {
  const i = KINDS.findIndex((k) => k.entry.field === field);
  if (i >= 0 && !FLAG_ORDER.includes(KINDS[i])) KINDS.splice(i, 1);
  schemas = undefined;
}

/** Every kind in sops's internal order. */
export function allKinds(): readonly KindDescriptor[] {
  return KINDS;
}

/** The kind of metadata field `field`, if known. */
export function kindOf(field: string): KindDescriptor | undefined {
  return KINDS.find((k) => k.entry.field === field);
}

/** The entry schemas for src/sops/metadata.ts, in sops's internal order. */
export function entrySchemas(): readonly EntrySchema[] {
  schemas ??= KINDS.map((k) => k.entry);
  return schemas;
}

function ordered(order: readonly KindDescriptor[]): KindDescriptor[] {
  return [...order.filter((k) => KINDS.includes(k)), ...KINDS.filter((k) => !order.includes(k))];
}

/** The kinds in the order sops builds a group from key flags (kms, gcp_kms, hckms, azure_kv, pgp, hc_vault, age). */
export function kindsInFlagOrder(): KindDescriptor[] {
  return ordered(FLAG_ORDER);
}

/** The kinds in the order sops builds a group from a creation rule (age, pgp, kms, gcp_kms, hckms, azure_kv, hc_vault). */
export function kindsInRuleOrder(): KindDescriptor[] {
  return ordered(RULE_ORDER);
}

/** A key flag as a command line parser and a help page need it. */
export interface KeyFlagInfo extends KeyFlag {
  /** Key flags always take a value (repeatable, comma lists). */
  readonly takesValue: true;
  /** The line of help, e.g. `  -a, --age R           age recipient(s), comma separated (SOPS_AGE_RECIPIENTS)`. */
  readonly helpLine: string;
  readonly supported: boolean;
}

/** The key flags in help order (sops's rule order); unsupported kinds' flags last. */
export function keyFlags(): KeyFlagInfo[] {
  const kinds = kindsInRuleOrder();
  return [...kinds.filter((k) => !k.unsupported), ...kinds.filter((k) => k.unsupported)].map((k) => {
    const f = k.flag;
    const head = `${f.short ? `-${f.short}, ` : ''}--${f.name} ${f.valueName}`;
    return { ...f, takesValue: true, helpLine: `  ${head.padEnd(20)}  ${f.help} (${f.env})`, supported: !k.unsupported };
  });
}

/** `kind description` for messages (`age age1…`, `kms arn+role`); the kind alone when there is nothing to say. */
export function keyLabel(k: { kind: string; fields: KeyFields }): string {
  const d = kindOf(k.kind)?.describe(k.fields) ?? '';
  return d ? `${k.kind} ${d}` : k.kind;
}

/** The label of a key in summaries (updatekeys, rotate): `age age1…`, `kms ARN (role R)`. */
export function keySummary(k: { kind: string; fields: KeyFields }): string {
  const kind = kindOf(k.kind);
  return `${k.kind} ${kind ? (kind.summary ?? kind.describe)(k.fields) : JSON.stringify(k.fields)}`;
}

const cache = new Map<string, Promise<KeyOps>>();

/** The wrap/unwrap of kind `field`, imported on first use. */
export function loadKind(field: string): Promise<KeyOps> {
  const kind = kindOf(field);
  if (!kind) return Promise.reject(new Error(`unsupported master key type "${field}"`));
  let p = cache.get(field);
  if (!p) {
    p = kind.load();
    cache.set(field, p);
  }
  return p;
}
