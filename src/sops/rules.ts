// Which leaves get encrypted: the six mutually exclusive rules sops records in the metadata.
// Shared by the tree walk (src/sops), creation rules (src/config) and the CLI flags.

export const RULE_KINDS = [
  'unencrypted_suffix',
  'encrypted_suffix',
  'unencrypted_regex',
  'encrypted_regex',
  'unencrypted_comment_regex',
  'encrypted_comment_regex',
] as const;

export type RuleKind = (typeof RULE_KINDS)[number];

/** One rule and its argument. Absent rule means the default `unencrypted_suffix: _unencrypted`. */
export interface EncryptionRule {
  kind: RuleKind;
  value: string;
}

export const DEFAULT_UNENCRYPTED_SUFFIX = '_unencrypted';
