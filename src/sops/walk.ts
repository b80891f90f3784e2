// The tree walk (sops.go Tree.Encrypt/Decrypt): which leaves the rule encrypts, each leaf's AAD path, and the MAC
// over every leaf's canonical bytes in document order; plus sealing and checking the stored MAC itself.
import { createHash, type Hash } from 'node:crypto';
import { ExitCode, SopsError } from '../errors.js';
import { goRegex } from './goregex.js';
import {
  IvStash,
  decryptValue,
  isEmptyPlain,
  openLeaf,
  rfc3339Seconds,
  sealLeaf,
  toBytes,
  typeOf,
  encryptValue,
  type Plain,
} from './cipher.js';
import { DEFAULT_UNENCRYPTED_SUFFIX, type EncryptionRule } from './rules.js';
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

/** SHA-256("sops"): fed first when mac_only_encrypted is set, so the two MAC modes never collide. */
const MAC_ONLY_ENCRYPTED_INIT = Buffer.from('8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69', 'hex');

// ---------------------------------------------------------------------------------------------
// Go RE2 patterns in JS


// ---------------------------------------------------------------------------------------------
// Tree.shouldBeEncrypted, split so path rules cost O(1) per leaf

type PathRule = { test: (key: string) => boolean; encryptIfMatch: boolean };
type CommentRule = { test: (text: string) => boolean; encryptIfMatch: boolean };

interface Plan {
  path?: PathRule;
  comment?: CommentRule;
  everything: boolean;
}

function regexTest(src: string): (s: string) => boolean {
  const re = goRegex(src);
  return re ? (s) => re.test(s) : () => false;
}

function planFor(rule: EncryptionRule | null | undefined): Plan {
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
      throw new SopsError(`Unknown encryption rule ${String((r as EncryptionRule).kind)}`);
  }
}

/** Walk state: the path's rule matches so far, and the comment stack (one level per mapping/list, match flags only). */
class Scope {
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

// ---------------------------------------------------------------------------------------------
// The walk

/** What to do at each leaf; returns the replacement value. */
type LeafFn = (value: Plain, aad: string, encrypt: boolean, isComment: boolean) => Plain;

class MacHash {
  private readonly h: Hash = createHash('sha512');
  private chunks: Uint8Array[] = [];
  private size = 0;

  constructor(macOnlyEncrypted: boolean) {
    if (macOnlyEncrypted) this.h.update(MAC_ONLY_ENCRYPTED_INIT);
  }

  // Leaves are small; batching them saves a native call per leaf.
  add(b: Uint8Array): void {
    if (b.length === 0) return;
    this.chunks.push(b);
    this.size += b.length;
    if (this.size >= 65536) this.flush();
  }

  private flush(): void {
    if (this.chunks.length) this.h.update(Buffer.concat(this.chunks, this.size));
    this.chunks = [];
    this.size = 0;
  }

  hex(): string {
    this.flush();
    return this.h.digest('hex').toUpperCase();
  }
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
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
              const cause = e instanceof Error ? e.message : String(e);
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

function macAad(lastModified: string): string {
  const aad = rfc3339Seconds(lastModified);
  if (aad === null) throw new SopsError('lastmodified is not an RFC3339 time', ExitCode.Generic);
  return aad;
}

/** Seals the MAC hex as sops stores it in `sops.mac`: a `str` ENC value whose AAD is lastmodified at second precision. */
export function encryptMac(macHex: string, dataKey: Uint8Array, lastModified: string, iv?: Uint8Array): string {
  try {
    return encryptValue(macHex, dataKey, macAad(lastModified), iv);
  } catch (e) {
    const cause = e instanceof Error ? e.message : String(e);
    throw new SopsError(`Could not encrypt MAC: ${cause}`, ExitCode.ErrorEncryptingMac);
  }
}

/** Checks the stored MAC against the computed one, as sops's DecryptTree does; throws SopsError(exit 51). */
export function verifyMac(
  computedMac: string,
  encMac: string | undefined,
  dataKey: Uint8Array,
  lastModified: string,
  ignoreMac = false,
): void {
  if (ignoreMac) return;
  let fileMac: Plain;
  try {
    fileMac = decryptValue(encMac ?? '', dataKey, macAad(lastModified));
  } catch (e) {
    const cause = e instanceof Error ? e.message : String(e);
    throw new SopsError(`Cannot decrypt MAC: ${cause}`, ExitCode.MacMismatch);
  }
  if (fileMac === computedMac) return;
  // Never the MACs themselves: the computed one is SHA-512 over the plaintext values, an oracle for short secrets.
  throw new SopsError(fileMac === '' ? MAC_MISSING : MAC_MISMATCH, ExitCode.MacMismatch);
}

const MAC_ADVICE = 'the file was changed outside sops, or is corrupt; use --ignore-mac only if you trust the file';
/** What a MAC failure says (the caller adds the file name). */
export const MAC_MISMATCH = `MAC mismatch: the MAC stored in the file does not match its contents (${MAC_ADVICE})`;
export const MAC_MISSING = `MAC mismatch: the file has no MAC (${MAC_ADVICE})`;
