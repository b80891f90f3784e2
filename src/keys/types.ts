// The one small interface every master-key kind implements (the metadata entry's shape is the format's).
// Adding a kind is one new module plus one line in registry.ts.

import type { KeyEntry, KeyFields } from '../sops/keyentry.js';

/** The entry shape belongs to the format (src/sops/keyentry.ts); re-exported for the key kinds. */
export type { KeyEntry, KeyFields } from '../sops/keyentry.js';

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
