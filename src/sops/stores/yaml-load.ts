// Reads a YAML stream into branches as sops's YAML store does on yaml.v3: the first document checked the way
// sops 3.10+ decodes it into a map first (duplicate keys, excessive aliasing, self-containing anchors, merges),
// then every document's nodes turned into a branch with sops's own placement of head, line and foot comments.
import { SopsError, ExitCode } from '../../errors.js';
import { Comment, Mapping, type Branches, type Item, type Scalar, type Value } from '../tree.js';
import { resolvePlain } from './yaml-resolve.js';
import { utf8OrFail } from './gotext.js';
import { NodeReader, type YNode } from './yaml-parse.js';
import { YamlSyntaxError } from './yaml-scan.js';

const PREFIX = 'Error unmarshaling input YAML: ';

function fail(msg: string): never {
  throw new SopsError(PREFIX + msg, ExitCode.CouldNotReadInputFile);
}

/** Go's base64.StdEncoding.DecodeString, which yaml.v3 uses for !!binary: padded, CR and LF ignored. */
function decodeBase64(s: string): Uint8Array {
  const clean = s.replace(/[\r\n]+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) fail('yaml: !!binary value contains invalid base64 data');
  return new Uint8Array(Buffer.from(clean, 'base64'));
}

/** yaml.v3's implicit tag of a plain scalar, from the same resolver that gives its value. */
export function plainTag(value: string): string {
  let r: Scalar;
  try {
    r = resolvePlain(value);
  } catch {
    return '!!int';
  }
  if (value === '<<') return '!!merge';
  return tagOf(r);
}

function tagOf(r: Scalar): string {
  if (r === null) return '!!null';
  switch (typeof r) {
    case 'string':
      return '!!str';
    case 'boolean':
      return '!!bool';
    case 'bigint':
      return '!!int';
    case 'number':
      return '!!float';
    default:
      return r instanceof Uint8Array ? '!!binary' : '!!timestamp';
  }
}

/** The value yaml.v3's Node.Decode gives a scalar (into interface{}), or a refusal where it fails. */
export function scalarValue(n: YNode): Scalar {
  const text = n.value;
  if (!n.tagged) {
    if (n.style !== 'plain') return text;
    return resolvePlain(text);
  }
  switch (n.tag) {
    case '!!str':
    case '!!merge':
      return text;
    case '!!binary':
      return decodeBase64(text);
    case '!!null':
    case '!!bool':
    case '!!int':
    case '!!float':
    case '!!timestamp': {
      // An explicit tag: yaml.v3 resolves the text with the tag and fails when it does not fit.
      let r: Scalar;
      try {
        r = resolvePlain(text);
      } catch {
        r = text;
      }
      if (n.tag === '!!float' && typeof r === 'bigint') return Number(r);
      if (tagOf(r) === n.tag) return r;
      fail(`yaml: cannot decode !!str \`${text.length > 40 ? text.slice(0, 40) + '...' : text}\` as a ${n.tag}`);
    }
    // falls through (unreachable)
    default:
      // Any other tag: yaml.v3 decodes the scalar to its text.
      return text;
  }
}

// ---- the map decode sops runs first on the first document ----

const RATIO_LOW = 400000;
const RATIO_HIGH = 4000000;

function allowedAliasRatio(count: number): number {
  if (count <= RATIO_LOW) return 0.99;
  if (count >= RATIO_HIGH) return 0.1;
  return 0.99 - 0.89 * ((count - RATIO_LOW) / (RATIO_HIGH - RATIO_LOW));
}

function isMerge(n: YNode): boolean {
  return n.kind === 'scalar' && n.value === '<<' && (n.tag === '!!merge' || (!n.tagged && n.style === 'plain'));
}

/**
 * Walks a document the way yaml.v3 decodes it into a Go map: the same node counts for its alias-ratio rule (so an
 * alias bomb is refused after a few thousand nodes, long before it expands), the same duplicate-key, merge and
 * recursion errors. Only the first document, as sops.
 */
class MapDecodeCheck {
  private decodeCount = 0;
  private aliasCount = 0;
  private aliasDepth = 0;
  private readonly active = new Set<YNode>();

  document(doc: YNode): void {
    const root = doc.content[0];
    if (!root) return;
    const target = root.kind === 'alias' ? root.alias! : root;
    this.count();
    if (root.kind === 'alias') this.alias(root, () => { this.topLevel(target); });
    else this.topLevel(root);
  }

  private topLevel(n: YNode): void {
    if (n.kind === 'mapping') this.mapping(n);
    else if (n.kind === 'scalar' && n.tag === '!!null') return;
    else if (n.kind === 'scalar') fail(`yaml: unmarshal errors: line ${n.line}: cannot unmarshal ${n.tag} \`${n.value}\` into map[string]interface {}`);
    else fail(`yaml: unmarshal errors: line ${n.line}: cannot unmarshal ${n.tag} into map[string]interface {}`);
  }

  private count(): void {
    this.decodeCount++;
    if (this.aliasDepth > 0) this.aliasCount++;
    if (this.aliasCount > 100 && this.decodeCount > 1000 && this.aliasCount / this.decodeCount > allowedAliasRatio(this.decodeCount)) {
      fail('yaml: document contains excessive aliasing');
    }
  }

  private alias(n: YNode, body: () => void): void {
    if (this.active.has(n)) fail(`yaml: anchor '${n.value}' value contains itself`);
    this.active.add(n);
    this.aliasDepth++;
    body();
    this.aliasDepth--;
    this.active.delete(n);
  }

  private value(n: YNode): void {
    this.count();
    switch (n.kind) {
      case 'alias':
        this.alias(n, () => { this.value(n.alias!); });
        return;
      case 'mapping':
        this.mapping(n);
        return;
      case 'sequence':
        for (const c of n.content) this.value(c);
        return;
      case 'scalar':
        scalarValue(n);
        return;
      default:
        return;
    }
  }

  /** A key decoded into a Go string: scalars (of any type) are fine, collections are not. */
  private key(n: YNode): void {
    this.count();
    const t = n;
    if (n.kind === 'alias') {
      this.alias(n, () => { this.key(n.alias!); });
      return;
    }
    if (t.kind !== 'scalar') fail(`yaml: unmarshal errors: line ${t.line}: cannot unmarshal ${t.tag} into string`);
    if (t.tagged && t.tag === '!!binary') scalarValue(t);
  }

  private mapping(n: YNode): void {
    const seen = new Map<string, YNode>();
    for (let i = 0; i < n.content.length; i += 2) {
      const k = n.content[i];
      const id = k.kind + '\0' + k.value;
      const prev = seen.get(id);
      if (prev) fail(`yaml: unmarshal errors: line ${k.line}: mapping key ${JSON.stringify(k.value)} already defined at line ${prev.line}`);
      seen.set(id, k);
    }
    let merge: YNode | undefined;
    for (let i = 0; i < n.content.length; i += 2) {
      const k = n.content[i];
      if (isMerge(k)) {
        merge = n.content[i + 1];
        continue;
      }
      this.key(k);
      this.value(n.content[i + 1]);
    }
    if (merge) this.merge(merge);
  }

  private merge(m: YNode): void {
    const bad = (): never => fail('yaml: map merge requires map or sequence of maps as the value');
    const one = (x: YNode): void => {
      if (x.kind === 'mapping') this.value(x);
      else if (x.kind === 'alias' && x.alias!.kind === 'mapping') this.value(x);
      else bad();
    };
    if (m.kind === 'sequence') {
      for (const c of m.content) one(c);
    } else one(m);
  }
}

// ---- sops's node-to-branch conversion ----

function commentLines(text: string, inline: boolean, push: (c: Comment) => void): void {
  if (text === '') return;
  for (const line of text.split('\n')) if (line !== '') push(new Comment(line.slice(1), inline));
}

class BranchBuilder {
  private expanded = 0;
  private aliased = 0;
  private aliasDepth = 0;

  /**
   * Alias expansion bounds: go-yaml's alias-ratio rule, which sops applies to the first document only, holds for
   * every document here (a bomb in a later one would otherwise expand), and a hard node budget for the stream.
   */
  constructor(private readonly budget: number) {}

  private tick(): void {
    this.expanded++;
    if (this.aliasDepth > 0) this.aliased++;
    if (this.expanded > this.budget) fail('yaml: document contains excessive aliasing');
    if (this.aliased > 100 && this.expanded > 1000 && this.aliased / this.expanded > allowedAliasRatio(this.expanded)) {
      fail('yaml: document contains excessive aliasing');
    }
  }

  document(doc: YNode): Mapping {
    const m = new Mapping();
    this.intoBranch(doc, m.items, false, new Set());
    return m;
  }

  private intoBranch(n: YNode, out: Item[], handled: boolean, active: Set<YNode>): void {
    const comment = (c: Comment): void => {
      out.push({ key: c, value: null });
    };
    if (!handled) {
      commentLines(n.head, false, comment);
      commentLines(n.lineComment, false, comment);
    }
    switch (n.kind) {
      case 'document':
        for (const c of n.content) this.intoBranch(c, out, false, active);
        break;
      case 'sequence':
        fail('YAML documents that are sequences are not supported');
        break;
      case 'mapping':
        for (let i = 0; i < n.content.length; i += 2) {
          const k = n.content[i];
          const v = n.content[i + 1];
          commentLines(k.head, false, comment);
          commentLines(k.lineComment, false, comment);
          const valueComments = v.kind === 'scalar' || v.kind === 'alias';
          if (valueComments) {
            commentLines(v.head, false, comment);
            commentLines(v.lineComment, true, comment);
          }
          const key = this.keyValue(k, active);
          out.push({ key, value: this.value(v, valueComments, active) });
          if (valueComments) commentLines(v.foot, false, comment);
          commentLines(k.foot, false, comment);
        }
        break;
      case 'scalar':
        if (n.tag === '!!null') break;
        fail('YAML documents that are values are not supported');
        break;
      case 'alias':
        this.withAlias(n, active, () => { this.intoBranch(n.alias!, out, false, active); });
        break;
    }
    if (!handled) commentLines(n.foot, false, comment);
  }

  private withAlias(n: YNode, active: Set<YNode>, body: () => void): void {
    if (active.has(n)) fail(`yaml: anchor '${n.value}' value contains itself`);
    active.add(n);
    this.aliasDepth++;
    body();
    this.aliasDepth--;
    active.delete(n);
  }

  private keyValue(k: YNode, active: Set<YNode>): string {
    let v: Value;
    if (k.kind === 'scalar') {
      v = scalarValue(k);
      // A !!binary key is a Go string of its bytes: text when they are UTF-8; other bytes cannot name a key here.
      if (v instanceof Uint8Array) {
        try {
          v = new TextDecoder('utf-8', { fatal: true }).decode(v);
        } catch {
          fail(`line ${k.line}: a !!binary mapping key that is not UTF-8 text is not supported`);
        }
      }
    }
    else if (k.kind === 'alias') {
      let r: Value = null;
      this.withAlias(k, active, () => {
        r = this.keyValue(k.alias!, active);
      });
      v = r;
    } else fail('mapping keys must be strings');
    if (typeof v !== 'string') throw new SopsError('Tree contains a non-string key', ExitCode.Generic);
    return v;
  }

  private value(n: YNode, handled: boolean, active: Set<YNode>): Value {
    this.tick();
    switch (n.kind) {
      case 'sequence': {
        const out: Value[] = [];
        const push = (c: Comment): void => {
          out.push(c);
        };
        if (!handled) {
          commentLines(n.head, false, push);
          commentLines(n.lineComment, false, push);
        }
        for (const item of n.content) {
          commentLines(item.head, false, push);
          commentLines(item.lineComment, true, push);
          out.push(this.value(item, true, active));
          commentLines(item.foot, false, push);
        }
        if (!handled) commentLines(n.foot, false, push);
        return out;
      }
      case 'mapping': {
        const m = new Mapping();
        this.intoBranch(n, m.items, handled, active);
        return m;
      }
      case 'scalar':
        return scalarValue(n);
      case 'alias': {
        let r: Value = null;
        this.withAlias(n, active, () => {
          r = this.value(n.alias!, false, active);
        });
        return r;
      }
      default:
        return null;
    }
  }
}

const utf16le = new TextDecoder('utf-16le', { fatal: true });
const utf16be = new TextDecoder('utf-16be', { fatal: true });

/**
 * The text the loaders read: UTF-8 (or UTF-16 with a byte order mark, as go-yaml reads it), without the BOM. Invalid UTF-8 is refused, as go-yaml refuses it, so that encrypting never replaces a byte of the
 * user's file with U+FFFD.
 */
export function yamlText(bytes: Uint8Array): string {
  let src: string;
  const b0 = bytes[0];
  const b1 = bytes[1];
  if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff)) {
    try {
      src = (b0 === 0xff ? utf16le : utf16be).decode(bytes.subarray(2));
    } catch {
      throw new SopsError(PREFIX + 'yaml: invalid UTF-16 text', ExitCode.CouldNotReadInputFile);
    }
  } else {
    src = utf8OrFail(bytes, PREFIX);
    if (src.charCodeAt(0) === 0xfeff) src = src.slice(1);
  }
  // CR and CRLF stay: go-yaml treats them as line ends, but its comment look-ahead counts CRLF as two, which
  // decides where a comment attaches.
  return src;
}

/** Where a go-yaml error is, for the message: go-yaml's own line, else the line and column it stopped at. */
function syntaxMessage(e: YamlSyntaxError): string {
  const go = e.goMessage();
  if (/^yaml: line \d+:/.test(go) || e.phase === 'composer') return go;
  const m = e.problemMark;
  return `${go} (line ${m.line + 1}, column ${m.column + 1})`;
}

/** Node budget per stream for alias expansion: far above any real values file, far below what exhausts memory. */
const EXPANSION_BUDGET = 5_000_000;

/** Parses a YAML stream into one branch per document, exactly as sops's YAML store reads it. */
/** `nonEmpty`: the input had bytes (a lone BOM counts, as it does for sops's `len(in) > 0`). */
export function loadYamlNodes(src: string, nonEmpty = src.length > 0): Branches {
  const branches: Branches = [];
  try {
    const reader = new NodeReader(src, plainTag);
    const builder = new BranchBuilder(EXPANSION_BUDGET);
    let first = true;
    for (let doc = reader.nextDocument(); doc; doc = reader.nextDocument()) {
      if (first) new MapDecodeCheck().document(doc);
      first = false;
      branches.push(builder.document(doc));
    }
    if (first && nonEmpty) {
      // sops 3.10+ decodes the first document into a map before anything else; with none there it stops at EOF.
      fail('the stream holds no YAML document, only comments or blank lines (sops refuses such a file: EOF)');
    }
  } catch (e) {
    if (e instanceof YamlSyntaxError) fail(syntaxMessage(e));
    // A stack overflow (a document nested thousands deep) becomes errors.ts's "nested too deeply" error.
    throw e;
  }
  return branches;
}
