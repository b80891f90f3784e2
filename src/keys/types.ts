// What a master-key kind is. Each kind has one module in src/keys/kinds/ exporting a KindDescriptor: everything the
// rest of the project needs to know about the kind (its metadata field and entry schema, its key flag and
// environment variable, how key strings and creation-rule entries name its keys, how it is labelled in messages and
// logs, its decryption-order id), light and synchronous, plus `load`, which imports its wrap/unwrap (KeyOps) only
// when a file or rule uses the kind, so an age-only run never loads openpgp or a cloud SDK.
// Adding a kind is that one module plus one line in registry.ts's list.

import type { EntrySchema, KeyEntry, KeyFields } from '../sops/keyentry.js';

/** The entry shape belongs to the format (src/sops/keyentry.ts); re-exported for the key kinds. */
export type { EntrySchema, KeyEntry, KeyFields } from '../sops/keyentry.js';

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

/** The heavy half of a kind, loaded on first use. */
export interface KeyOps {
  /** Wraps `part` (the data key or a Shamir share) for `spec`, returning the complete entry. */
  wrap(spec: KeySpec, part: Uint8Array, ctx: KeyContext): Promise<KeyEntry>;
  /**
   * Unwraps an entry. Returns null when this machine has nothing that could open it
   * (no identity for that age recipient, no secret key for that fingerprint);
   * throws an Error whose message says why when it tried and failed.
   */
  unwrap(entry: KeyEntry, ctx: KeyContext): Promise<Uint8Array | null>;
}

/** Settings that apply to every key of a list (AWS KMS: --encryption-context, --aws-profile or the rule's). */
export interface SpecContext {
  context?: Record<string, string>;
  awsProfile: string;
}

/** A kind's key flag: `--NAME VALUE[,VALUE...]`, repeatable, falling back to `env` when absent. */
export interface KeyFlag {
  /** Long name without dashes (`age`, `gcp-kms`). */
  readonly name: string;
  /** One-letter alias (`a`), if sops has one. */
  readonly short?: string;
  /** The value's placeholder in help (`R`, `ARN`). */
  readonly valueName: string;
  /** The help text after the placeholder. */
  readonly help: string;
  /** The variable sops reads when the flag is absent (`SOPS_AGE_RECIPIENTS`). */
  readonly env: string;
}

/** How a creation rule of .sops.yaml names keys of the kind. */
export interface RuleSyntax {
  /** Field of a rule without key_groups: a comma list or a list of strings (`age`, `azure_keyvault`). */
  readonly field: string;
  /** sops reads that field as a list of strings only (no comma-list string). */
  readonly listOnly?: boolean;
  /** Field inside a key_groups entry (`age`, `hc_vault`). */
  readonly groupField: string;
  /**
   * key_groups entries: strings parsed as key strings (`split`: each may be a comma list), or mappings with these
   * string fields (and string-map fields), turned into a spec by `fromObject`.
   */
  readonly groupEntries:
    | { readonly strings: true; readonly split?: boolean }
    | {
        readonly strings?: false;
        readonly fields: readonly string[];
        readonly maps?: readonly string[];
        fromObject(o: Record<string, string | Record<string, string>>): KeySpec;
      };
}

export interface KindDescriptor {
  /** The metadata field and its entries' schema; `entry.field` is also the spec's and the entry's `kind`. */
  readonly entry: EntrySchema;
  /** Identifier used by --decryption-order / SOPS_DECRYPTION_ORDER. */
  readonly id: string;
  /** sops's --verbose logger name and the log field that names the key (`['AGE', 'recipient']`). */
  readonly logger: readonly [name: string, field: string];
  /** A short, non-secret name of the key for messages: the recipient, fingerprint, ARN, resource id, URL. */
  describe(fields: KeyFields): string;
  /** The same as a summary line shows it (updatekeys, rotate); defaults to `describe`. */
  summary?(fields: KeyFields): string;
  readonly flag: KeyFlag;
  /** One key from a key string (a flag's or a variable's comma-list entry, a rule's string field). Throws on bad input. */
  fromString(text: string, ctx: SpecContext): KeySpec;
  readonly rule: RuleSyntax;
  /** Set when this project reads and keeps such entries but cannot create or open them: the reason, for messages. */
  readonly unsupported?: string;
  /** Imports the kind's wrap/unwrap. */
  load(): Promise<KeyOps>;
}
