// Which leaves get encrypted: the six mutually exclusive rules sops records in the metadata, and the plan the tree
// walk evaluates them with (sops.go Tree.shouldBeEncrypted). Shared by the walk, creation rules and the CLI flags.
import { SopsError } from '../errors.js';
import { goRegex } from './goregex.js';

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

// ---------------------------------------------------------------------------------------------
// Tree.shouldBeEncrypted, split so path rules cost O(1) per leaf

export type PathRule = { test: (key: string) => boolean; encryptIfMatch: boolean };
export type CommentRule = { test: (text: string) => boolean; encryptIfMatch: boolean };

export interface Plan {
  path?: PathRule;
  comment?: CommentRule;
  everything: boolean;
}

function regexTest(src: string): (s: string) => boolean {
  const re = goRegex(src);
  return re ? (s) => re.test(s) : () => false;
}

export function planFor(rule: EncryptionRule | null | undefined): Plan {
  if (rule === null) return { everything: true };
  const r = rule ?? { kind: 'unencrypted_suffix', value: DEFAULT_UNENCRYPTED_SUFFIX };
  // An empty value disables the rule in sops (it tests `!= ""`), which leaves everything encrypted.
  if (r.value === '') return { everything: true };
  switch (r.kind) {
    case 'unencrypted_suffix':
      return { everything: false, path: { test: (k) => k.endsWith(r.value), encryptIfMatch: false } };
    case 'encrypted_suffix':
      return { everything: false, path: { test: (k) => k.endsWith(r.value), encryptIfMatch: true } };
    case 'unencrypted_regex':
      return { everything: false, path: { test: regexTest(r.value), encryptIfMatch: false } };
    case 'encrypted_regex':
      return { everything: false, path: { test: regexTest(r.value), encryptIfMatch: true } };
    case 'unencrypted_comment_regex':
      return { everything: false, comment: { test: regexTest(r.value), encryptIfMatch: false } };
    case 'encrypted_comment_regex':
      return { everything: false, comment: { test: regexTest(r.value), encryptIfMatch: true } };
    default:
      throw new SopsError(`Unknown encryption rule ${String((r).kind)}`);
  }
}

/** Walk state: the path's rule matches so far, and the comment stack (one level per mapping/list, match flags only). */
export class Scope {
  pathMatches = 0;
  readonly stack: boolean[][] = [];

  constructor(readonly plan: Plan) {}

  shouldEncrypt(isComment: boolean): boolean {
    const { plan } = this;
    if (plan.everything) return true;
    if (plan.path) return plan.path.encryptIfMatch ? this.pathMatches > 0 : this.pathMatches === 0;
    const c = plan.comment!;
    const lastLevel = this.stack.length - 1;
    for (let i = 0; i <= lastLevel; i++) {
      const level = this.stack[i];
      for (let j = 0; j < level.length; j++) {
        // encrypted_comment_regex: the matching comment line itself stays clear; only earlier lines can encrypt it.
        if (c.encryptIfMatch && isComment && i === lastLevel && j === level.length - 1) continue;
        if (level[j]) return c.encryptIfMatch;
      }
    }
    return !c.encryptIfMatch;
  }

  pushComment(text: string): void {
    const c = this.plan.comment;
    this.stack[this.stack.length - 1].push(c ? c.test(text) : false);
  }

  clearLevel(): void {
    const level = this.stack[this.stack.length - 1];
    if (level.length) this.stack[this.stack.length - 1] = [];
  }
}
