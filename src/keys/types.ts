// The one small interface every master-key kind implements, and the shape of a metadata entry.
// Adding a kind is one new module plus one line in registry.ts.

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

/** Where to encrypt to: an entry without `enc`/`created_at`, built from a flag, a variable or a creation rule. */
export interface KeySpec {
  kind: string;
  fields: KeyFields;
}

/** Settings a key kind may need at run time (environment, timeouts); never plaintext. */
export interface KeyContext {
  env: NodeJS.ProcessEnv;
  /** Per-call timeout for key services, in milliseconds. */
  timeoutMs?: number;
  /** Attempts for a key service call that failed transiently (1 = no retry). */
  attempts?: number;
}

export interface KeyKind {
  /** Metadata field name (`age`, `pgp`, `kms`, `gcp_kms`, `azure_kv`, `hc_vault`). */
  readonly field: string;
  /** Identifier used by --decryption-order / SOPS_DECRYPTION_ORDER. */
  readonly id: string;
  /** Field names written for an entry, in the order sops 3.13 writes them (alphabetical). */
  readonly entryFields: readonly string[];
  /** A short, non-secret name for messages: the recipient, fingerprint, ARN, resource id, URL. */
  describe(fields: KeyFields): string;
  /** Wraps `part` (the data key or a Shamir share) for `spec`, returning the complete entry. */
  wrap(spec: KeySpec, part: Uint8Array, ctx: KeyContext): Promise<KeyEntry>;
  /**
   * Unwraps an entry. Returns null when this machine has nothing that could open it
   * (no identity for that age recipient, no secret key for that fingerprint);
   * throws an Error whose message says why when it tried and failed.
   */
  unwrap(entry: KeyEntry, ctx: KeyContext): Promise<Uint8Array | null>;
}
