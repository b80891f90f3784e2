// The tree walk (sops.go Tree.Encrypt/Decrypt): each leaf visited in document order with its AAD path, encrypted or
// not as the rule's plan says (rules.ts), its canonical bytes fed to the MAC (mac.ts).
import { ExitCode, SopsError, errorMessage } from '../errors.js';
import { goRegex } from './goregex.js';
import {
  IvStash,
  isEmptyPlain,
  openLeaf,
  sealLeaf,
  toBytes,
  typeOf,
  type Plain,
} from './cipher.js';
import { MacHash } from './mac.js';
import { Scope, planFor, type EncryptionRule } from './rules.js';
import { Comment, Mapping, SopsTime, type Branches, type Value } from './tree.js';

export interface WalkOptions {
  dataKey: Uint8Array;
  /** The file's rule; undefined means the default `unencrypted_suffix: _unencrypted`; null (binary store) encrypts everything. */
  rule?: EncryptionRule | null;
  macOnlyEncrypted?: boolean;
  /** Records IVs on decrypt and re-uses them on encrypt for unchanged values. */
  stash?: IvStash;
}

export interface MacOptions {
  rule?: EncryptionRule | null;
  macOnlyEncrypted?: boolean;
}

// ---------------------------------------------------------------------------------------------
// The walk

/** What to do at each leaf; returns the replacement value. */
type LeafFn = (value: Plain, aad: string, encrypt: boolean, isComment: boolean) => Plain;

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'object') return (v).constructor?.name ?? 'object';
  return typeof v;
}

class Walker {
  private readonly path: string[] = [];

  constructor(
    private readonly scope: Scope,
    private readonly onLeaf: LeafFn,
    private readonly errCode: number,
  ) {}

  branch(m: Mapping): void {
    this.mapping(m, ':');
  }

  /** `aad` is this container's own path string (`:` at the top). */
  private mapping(m: Mapping, aad: string): void {
    const { scope } = this;
    const prefix = this.path.length === 0 ? '' : aad;
    scope.stack.push([]);
    for (const item of m.items) {
      const key = item.key;
      if (key instanceof Comment) {
        scope.pushComment(key.text);
        const out = this.leaf(key, aad, true);
        item.key = out instanceof Comment ? out : new Comment(String(out), key.inline);
        continue;
      }
      if (typeof key !== 'string') {
        throw new SopsError(
          `Tree contains a non-string key (type ${typeName(key)}). Only string keys are supported`,
          this.errCode,
        );
      }
      const valueIsComment = item.value instanceof Comment;
      if (valueIsComment) scope.pushComment((item.value as Comment).text);
      const matched = scope.plan.path ? scope.plan.path.test(key) : false;
      if (matched) scope.pathMatches++;
      this.path.push(key);
      item.value = this.value(item.value, prefix + key + ':');
      this.path.pop();
      if (matched) scope.pathMatches--;
      if (!valueIsComment) scope.clearLevel();
    }
    scope.stack.pop();
  }

  private list(l: Value[], aad: string): void {
    const { scope } = this;
    scope.stack.push([]);
    for (let i = 0; i < l.length; i++) {
      const v = l[i];
      const isComment = v instanceof Comment;
      if (isComment) scope.pushComment(v.text);
      l[i] = this.value(v, aad);
      if (!isComment) scope.clearLevel();
    }
    scope.stack.pop();
  }

  private value(v: Value, aad: string): Value {
    if (v === null) return null;
    if (v instanceof Mapping) {
      this.mapping(v, aad);
      return v;
    }
    if (Array.isArray(v)) {
      this.list(v, aad);
      return v;
    }
    switch (typeof v) {
      case 'string':
      case 'bigint':
      case 'number':
      case 'boolean':
        return this.leaf(v, aad, false);
    }
    if (v instanceof Comment) return this.leaf(v, aad, true);
    if (v instanceof Uint8Array || v instanceof SopsTime) return this.leaf(v, aad, false);
    throw new SopsError(`Cannot walk value, unknown type: ${typeName(v)}`, this.errCode);
  }

  private leaf(v: Plain, aad: string, isComment: boolean): Plain {
    return this.onLeaf(v, aad, this.scope.shouldEncrypt(isComment), isComment);
  }
}

function walkAll(branches: Branches, rule: EncryptionRule | null | undefined, onLeaf: LeafFn, errCode: number): void {
  const walker = new Walker(new Scope(planFor(rule)), onLeaf, errCode);
  for (const b of branches) walker.branch(b);
}

/** Encrypts every leaf the rule selects, in place; returns the MAC (uppercase hex SHA-512) of the plaintext tree. */
export function encryptBranches(branches: Branches, opts: WalkOptions): string {
  const { dataKey, stash } = opts;
  const macOnly = opts.macOnlyEncrypted ?? false;
  const mac = new MacHash(macOnly);
  const commentRule = opts.rule?.kind === 'unencrypted_comment_regex' ? goRegex(opts.rule.value) : null;
  walkAll(
    branches,
    opts.rule,
    (v, aad, encrypt, isComment) => {
      const bytes = toBytes(v);
      if (!isComment && (!macOnly || encrypt)) mac.add(bytes);
      if (!encrypt) return v;
      if (isEmptyPlain(v)) return isComment ? new Comment('', (v as Comment).inline) : '';
      const type = typeOf(v);
      const enc = sealLeaf(bytes, type, dataKey, aad, stash?.lookup(aad, type, bytes));
      if (isComment) {
        // sops refuses: such a comment would be read back as clear and never decrypted.
        if (commentRule?.test(enc)) {
          throw new SopsError(
            'Encrypted comment matches UnencryptedCommentRegex! Make sure that UnencryptedCommentRegex cannot match an encrypted comment.',
            ExitCode.ErrorEncryptingTree,
          );
        }
        return new Comment(enc, (v as Comment).inline);
      }
      return enc;
    },
    ExitCode.ErrorEncryptingTree,
  );
  return mac.hex();
}

/**
 * Decrypts every leaf the rule selects, in place; returns the MAC recomputed from the decrypted values.
 * A comment that does not decrypt is kept as it is, with a warning (sops tolerates clear comments); any value failure is fatal.
 */
export function decryptBranches(branches: Branches, opts: WalkOptions): { mac: string; warnings: string[] } {
  const { dataKey, stash } = opts;
  const macOnly = opts.macOnlyEncrypted ?? false;
  const mac = new MacHash(macOnly);
  const warnings: string[] = [];
  walkAll(
    branches,
    opts.rule,
    (v, aad, encrypt, isComment) => {
      let out: Plain = v;
      // A `str` leaf's decrypted bytes are exactly its canonical bytes: hash them rather than re-encode the value.
      let macBytes: Uint8Array | undefined;
      if (encrypt) {
        if (isComment) {
          const text = (v as Comment).text;
          let opened;
          try {
            opened = text === '' ? null : openLeaf(text, dataKey, aad);
          } catch {
            warnings.push(
              `Found possibly unencrypted comment in file at ${aad}. This is to be expected if the file being decrypted was created with an older version of SOPS.`,
            );
          }
          if (opened) {
            const d = opened.value;
            // The inline flag is layout, not content: keep it (sops drops it for decrypted mapping comments).
            const inline = (v as Comment).inline;
            if (d instanceof Comment) out = new Comment(d.text, inline);
            else if (typeof d === 'string') out = new Comment(d, inline);
            else if (d instanceof Uint8Array) out = new Comment(Buffer.from(d).toString('utf8'), inline);
            else throw new SopsError(`Comment at ${aad} decrypted to a non-comment value`, ExitCode.ErrorDecryptingTree);
            stash?.remember(aad, 'comment', toBytes(out), opened.iv);
          }
        } else if (typeof v === 'string') {
          if (v !== '') {
            let opened;
            try {
              opened = openLeaf(v, dataKey, aad);
            } catch (e) {
              const cause = errorMessage(e);
              throw new SopsError(`Could not decrypt value at ${aad}: ${cause}`, ExitCode.ErrorDecryptingTree);
            }
            out = opened.value;
            // `type` is outside the GCM tag: a value relabelled `comment` would turn into a comment object.
            if (out instanceof Comment) throw new SopsError(`Could not decrypt value at ${aad}: a value cannot have type comment`, ExitCode.ErrorDecryptingTree);
            if (opened.type === 'str') macBytes = opened.plain;
            if (stash) stash.remember(aad, typeOf(out), macBytes ?? toBytes(out), opened.iv);
          }
        } else {
          throw new SopsError(
            `Could not decrypt value at ${aad}: expected an encrypted value as string, but got ${typeName(v)}`,
            ExitCode.ErrorDecryptingTree,
          );
        }
      }
      if (!isComment && (!macOnly || encrypt)) mac.add(macBytes ?? toBytes(out));
      return out;
    },
    ExitCode.ErrorDecryptingTree,
  );
  return { mac: mac.hex(), warnings };
}

/** The MAC of a tree that is already plain (before encryption, or to re-check a decrypted tree). Does not modify it. */
export function computeMac(branches: Branches, opts: MacOptions = {}): string {
  const macOnly = opts.macOnlyEncrypted ?? false;
  const mac = new MacHash(macOnly);
  walkAll(
    branches,
    opts.rule,
    (v, _aad, encrypt, isComment) => {
      if (!isComment && (!macOnly || encrypt)) mac.add(toBytes(v));
      return v;
    },
    ExitCode.ErrorEncryptingTree,
  );
  return mac.hex();
}


