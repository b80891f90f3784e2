// The shape of a master-key entry in a file's `sops` block: part of the format, so the metadata code needs no key
// service module. The key kinds (src/keys/) read and write these entries.
//
// Which kinds exist is not decided here: each kind's module in src/keys/kinds/ declares its entry schema, and the
// callers of the metadata code (the engine, through src/keys/registry.ts) pass the list in. So the format stays
// pure and imports nothing above it, and a new kind needs no line in src/sops/.

/**
 * A master-key entry exactly as it sits in the file's metadata list for its kind
 * (e.g. age: {recipient, enc}; pgp: {created_at, enc, fp}; kms: {arn, aws_profile, context?, created_at, enc, role?}).
 * Field names are sops's own; unknown fields are kept so a round trip loses nothing.
 * Values are strings except string-map fields (kms `context`).
 */
export type KeyFields = Record<string, unknown>;

export interface KeyEntry {
  /** The metadata field this entry lives under (`age`, `pgp`, `kms`, ...: a kind's EntrySchema.field). */
  kind: string;
  fields: KeyFields;
}

/** How one kind's entries are read and written in the `sops` block. */
export interface EntrySchema {
  /** The metadata field holding the list of this kind's entries. */
  readonly field: string;
  /** String fields, each written always (as '' when missing) unless listed in `omitEmpty`. */
  readonly scalar: readonly string[];
  readonly omitEmpty?: readonly string[];
  /** String-map fields, written (keys sorted) only when not empty. */
  readonly maps?: readonly string[];
  /** Whether `created_at` must be an RFC3339 time. */
  readonly needsCreatedAt: boolean;
  /** Written as `[]` inside key_groups even when empty (no omitempty on that field in sops). */
  readonly alwaysInGroup?: boolean;
}

/** The list of kinds the metadata code knows, in sops's internal order inside a group. */
export type EntrySchemas = readonly EntrySchema[];

const VOLATILE = new Set(['enc', 'created_at']);

function meaningful(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return false;
  if (typeof v === 'object' && !Array.isArray(v)) return Object.keys(v).length > 0;
  return true;
}

function canon(v: unknown): unknown {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])]));
  }
  return v;
}

/**
 * The one identity of a master key: its kind plus the fields that name it (never `enc`/`created_at`; empty fields
 * count as absent). The same string for a metadata entry and for the spec it was wrapped for, so a key listed twice
 * is kept once, updatekeys sees what changed and rotate finds what to remove.
 */
export function keyIdentity(k: { kind: string; fields: KeyFields }): string {
  const fields: KeyFields = {};
  for (const [name, v] of Object.entries(k.fields)) if (!VOLATILE.has(name) && meaningful(v)) fields[name] = v;
  return `${k.kind}/${JSON.stringify(canon(fields))}`;
}

/** The fields of an entry without the wrapped key and its time: what it was wrapped for. */
export function withoutWrap(fields: KeyFields): KeyFields {
  const out: KeyFields = {};
  for (const [name, v] of Object.entries(fields)) if (!VOLATILE.has(name)) out[name] = v;
  return out;
}
