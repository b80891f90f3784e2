// The shape of a master-key entry in a file's `sops` block: part of the format, so the metadata code needs no key
// service module. The key kinds (src/keys/) read and write these entries.

/**
 * A master-key entry exactly as it sits in the file's metadata list for its kind
 * (e.g. age: {recipient, enc}; pgp: {created_at, enc, fp}; kms: {arn, aws_profile, context?, created_at, enc, role?}).
 * Field names are sops's own; unknown fields are kept so a round trip loses nothing.
 * Values are strings except kms `context` (a string map).
 */
export type KeyFields = Record<string, unknown>;

export interface KeyEntry {
  /** The metadata field this entry lives under: 'age' | 'pgp' | 'kms' | 'gcp_kms' | 'azure_kv' | 'hc_vault' | 'hckms'. */
  kind: string;
  fields: KeyFields;
}
