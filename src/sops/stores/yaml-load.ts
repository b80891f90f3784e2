// Reads a YAML stream into branches the way sops does with yaml.v3 nodes: typed scalars, expanded aliases,
// and comment lines placed in the container yaml.v3 would attach them to (that container's path is the comment's AAD).
import { CST, Parser } from 'yaml';
import { SopsError, ExitCode } from '../../errors.js';
import { Comment, Mapping, type Branches, type Item, type Value } from '../tree.js';
import { resolvePlain } from './yaml-resolve.js';
import { utf8OrFail } from './gotext.js';

type Tok = CST.Token;
type SrcTok = CST.SourceToken;

/** A block mapping or sequence: where comments can land, and the entries they are merged with by offset. */
export interface Container {
  col: number;
  parent: Container | null;
  target: Mapping | Value[];
  /** Offsets of the entries of `target`, in order (one per entry). */
  offs: number[];
  comments: { key: number; c: Comment }[];
}

export interface BlockItem {
  off: number;
  col: number;
  container: Container;
  /** The value is a block mapping or sequence (a line comment after the key then belongs before the entry). */
  blockValue: boolean;
}

function fail(msg: string): never {
  throw new SopsError(`Error unmarshaling input YAML: ${msg}`, ExitCode.Generic);
}

function decodeBase64(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) fail('invalid !!binary data');
  return new Uint8Array(Buffer.from(clean, 'base64'));
}

/** Normalises `!!x` and `!<tag:yaml.org,2002:x>` to `!!x`; other tags are kept as written. */
function shortTag(src: string): string {
  const m = /^!<tag:yaml\.org,2002:(.*)>$/.exec(src);
  return m ? '!!' + m[1] : src;
}

export class DocLoader {
  readonly items: BlockItem[] = [];
  readonly comments: SrcTok[] = [];
  readonly anchors = new Map<string, Value>();
  root: Container;

  constructor(
    private readonly lineStarts: number[],
    private readonly checkDuplicates: boolean,
    rootMapping: Mapping,
  ) {
    this.root = { col: 0, parent: null, target: rootMapping, offs: [], comments: [] };
  }

  col(off: number): number {
    const ls = this.lineStarts;
    let lo = 0;
    let hi = ls.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (ls[mid]! <= off) lo = mid;
      else hi = mid - 1;
    }
    return off - ls[lo]!;
  }

  lineStart(off: number): number {
    return off - this.col(off);
  }

  collectComments(toks: readonly SrcTok[] | undefined): void {
    if (!toks) return;
    for (const t of toks) if (t.type === 'comment') this.comments.push(t);
  }

  /** Anchor and tag among the tokens before a node (after its indicator). */
  props(toks: readonly SrcTok[] | undefined): { anchor?: string; tag?: string } {
    const p: { anchor?: string; tag?: string } = {};
    if (!toks) return p;
    for (const t of toks) {
      if (t.type === 'anchor') p.anchor = t.source.slice(1);
      else if (t.type === 'tag') p.tag = shortTag(t.source);
      else if (t.type === 'comment') this.comments.push(t);
      else if (t.type === 'map-value-ind' || t.type === 'seq-item-ind' || t.type === 'explicit-key-ind') {
        p.anchor = undefined;
        p.tag = undefined;
      }
    }
    return p;
  }

  node(tok: Tok | null | undefined, props: { anchor?: string; tag?: string }, parent: Container | null): Value {
    let v: Value;
    if (!tok) {
      v = props.tag === '!!str' ? '' : null;
    } else {
      switch (tok.type) {
        case 'alias': {
          this.collectComments(tok.end);
          const a = this.anchors.get(tok.source.slice(1));
          if (a === undefined) fail(`unknown anchor '${tok.source.slice(1)}' referenced`);
          return cloneValue(a);
        }
        case 'scalar':
        case 'single-quoted-scalar':
        case 'double-quoted-scalar':
        case 'block-scalar':
          v = this.scalar(tok, props.tag);
          break;
        case 'block-map':
          v = this.blockMap(tok, parent);
          break;
        case 'block-seq':
          v = this.blockSeq(tok, parent);
          break;
        case 'flow-collection':
          v = this.flow(tok);
          break;
        case 'error':
          fail(tok.message);
          break;
        default:
          fail(`unexpected ${tok.type}`);
      }
    }
    if (props.anchor !== undefined) this.anchors.set(props.anchor, v);
    return v;
  }

  scalar(tok: CST.FlowScalar | CST.BlockScalar, tag: string | undefined): Value {
    let text: string;
    let plain = false;
    const src = tok.source;
    if (tok.type === 'block-scalar') {
      this.collectComments(tok.props as SrcTok[]);
      text = this.resolveScalar(tok);
    } else {
      this.collectComments(tok.end);
      if (tok.type === 'scalar') {
        plain = true;
        text = src.includes('\n') ? this.resolveScalar(tok) : src;
      } else if (tok.type === 'double-quoted-scalar') {
        text = src.includes('\\') || src.includes('\n') ? this.resolveScalar(tok) : src.slice(1, -1);
      } else {
        text = src.includes('\n') ? this.resolveScalar(tok) : src.slice(1, -1).replace(/''/g, "'");
      }
    }
    if (tag === undefined) return plain ? resolvePlain(text) : text;
    switch (tag) {
      case '!!str':
        return text;
      case '!!binary':
        return decodeBase64(text);
      case '!!null': {
        const r = resolvePlain(text);
        if (r !== null) fail(`cannot decode ${tag}`);
        return null;
      }
      case '!!bool':
      case '!!int':
      case '!!float':
      case '!!timestamp': {
        const r = resolvePlain(text);
        const ok =
          (tag === '!!bool' && typeof r === 'boolean') ||
          (tag === '!!int' && typeof r === 'bigint') ||
          (tag === '!!float' && (typeof r === 'number' || typeof r === 'bigint')) ||
          (tag === '!!timestamp' && r !== null && typeof r === 'object' && !(r instanceof Uint8Array));
        if (!ok) fail(`cannot decode a value as ${tag}`);
        return tag === '!!float' && typeof r === 'bigint' ? Number(r) : r;
      }
      default:
        // yaml.v3 decodes a scalar with an unknown tag to its plain text.
        return text;
    }
  }

  resolveScalar(tok: CST.FlowScalar | CST.BlockScalar): string {
    let err: string | undefined;
    const r = CST.resolveAsScalar(tok, true, (_o, _c, m) => {
      err ??= m;
    });
    if (err !== undefined || !r) fail(err ?? 'invalid scalar');
    return r.value;
  }

  container(first: number, parent: Container | null, target: Mapping | Value[]): Container {
    return { col: this.col(first), parent, target, offs: [], comments: [] };
  }

  blockMap(tok: CST.BlockMap, parent: Container | null, into?: Container): Mapping {
    const m = into ? (into.target as Mapping) : new Mapping();
    let c = into;
    const seen = this.checkDuplicates ? new Set<string>() : undefined;
    for (const it of tok.items) {
      const kp = this.props(it.start);
      if (it.key === undefined && it.sep === undefined && it.value === undefined) continue;
      const keyOff = it.key ? it.key.offset : (it.sep?.[0]?.offset ?? tok.offset);
      c ??= this.container(keyOff, parent, m);
      const key = this.key(it.key, kp);
      if (seen) {
        if (seen.has(key)) fail(`mapping key "${key}" already defined`);
        seen.add(key);
      }
      const vp = this.props(it.sep);
      const bi: BlockItem = {
        off: keyOff,
        col: this.col(keyOff),
        container: c,
        blockValue: !!it.value && (it.value.type === 'block-map' || it.value.type === 'block-seq'),
      };
      this.items.push(bi);
      const value = this.node(it.value, vp, c);
      m.items.push({ key, value });
      c.offs.push(keyOff);
    }
    return m;
  }

  key(tok: Tok | null | undefined, props: { anchor?: string; tag?: string }): string {
    if (tok && tok.type !== 'scalar' && tok.type !== 'single-quoted-scalar' && tok.type !== 'double-quoted-scalar' && tok.type !== 'alias') {
      fail('mapping keys must be strings');
    }
    if (tok && tok.type === 'scalar' && tok.source === '<<' && props.tag === undefined) return '<<';
    const k = this.node(tok, props, null);
    if (typeof k !== 'string') {
      throw new SopsError('Tree contains a non-string key', ExitCode.Generic);
    }
    return k;
  }

  blockSeq(tok: CST.BlockSequence, parent: Container | null): Value[] {
    const arr: Value[] = [];
    let c: Container | undefined;
    for (const it of tok.items) {
      const ind = it.start.find((t) => t.type === 'seq-item-ind');
      const p = this.props(it.start);
      if (!ind) continue;
      c ??= this.container(ind.offset, parent, arr);
      this.items.push({
        off: ind.offset,
        col: this.col(ind.offset),
        container: c,
        blockValue: !!it.value && (it.value.type === 'block-map' || it.value.type === 'block-seq'),
      });
      arr.push(this.node(it.value, p, c));
      c.offs.push(ind.offset);
    }
    return arr;
  }

  flow(tok: CST.FlowCollection): Value {
    const isMap = tok.start.source === '{';
    this.collectComments(tok.end);
    if (isMap) {
      const m = new Mapping();
      const seen = this.checkDuplicates ? new Set<string>() : undefined;
      for (const it of tok.items) {
        const kp = this.props(it.start);
        if (!it.key && !it.value && !(it.sep ?? []).some((t) => t.type === 'map-value-ind')) continue;
        const key = this.key(it.key, kp);
        if (seen) {
          if (seen.has(key)) fail(`mapping key "${key}" already defined`);
          seen.add(key);
        }
        m.items.push({ key, value: this.node(it.value, this.props(it.sep), null) });
      }
      return m;
    }
    const arr: Value[] = [];
    for (const it of tok.items) {
      const p = this.props(it.start);
      if (it.sep?.some((t) => t.type === 'map-value-ind')) {
        // `[a: 1]` is a one-entry mapping inside the list.
        const m = new Mapping();
        m.items.push({ key: this.key(it.key, p), value: this.node(it.value, this.props(it.sep), null) });
        arr.push(m);
        continue;
      }
      if (!it.value && !it.key) continue;
      arr.push(this.node(it.value ?? it.key, p, null));
    }
    return arr;
  }

  /** Finds the container of each comment as yaml.v3 + sops would, then merges them in by offset. */
  placeComments(src: string): void {
    const items = this.items;
    const touched = new Set<Container>();
    const lastBefore = (o: number): number => {
      let lo = 0;
      let hi = items.length - 1;
      let r = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (items[mid]!.off < o) (r = mid), (lo = mid + 1);
        else hi = mid - 1;
      }
      return r;
    };
    for (const t of this.comments) {
      const o = t.offset;
      const text = t.source.slice(1);
      const ls = this.lineStart(o);
      const col = o - ls;
      const pi = lastBefore(o);
      const prev = pi >= 0 ? items[pi] : undefined;
      const next = pi + 1 < items.length ? items[pi + 1] : undefined;
      let target: Container;
      let key: number;
      let inline = false;
      if (src.slice(ls, o).trim() !== '' && prev) {
        target = prev.container;
        key = prev.off - 0.5 + o * 1e-9;
        inline = !prev.blockValue;
      } else if (next && next.col >= col) {
        target = next.container;
        key = o;
      } else {
        // A foot comment: the deepest open container indented at or left of it; on a tie the outer one.
        let best: Container | undefined;
        for (let c: Container | null = prev ? prev.container : null; c; c = c.parent) {
          if (!best) {
            if (c.col <= col) best = c;
          } else if (c.col === best.col) best = c;
          else break;
        }
        best ??= this.root;
        target = best;
        key = o;
      }
      target.comments.push({ key, c: new Comment(text, inline) });
      touched.add(target);
    }
    for (const c of touched) merge(c);
  }
}

function merge(c: Container): void {
  const cs = c.comments.sort((a, b) => a.key - b.key);
  const isMap = c.target instanceof Mapping;
  const old: (Item | Value)[] = isMap ? (c.target as Mapping).items : (c.target as Value[]);
  const out: (Item | Value)[] = [];
  let j = 0;
  for (let i = 0; i < old.length; i++) {
    const off = c.offs[i] ?? Infinity;
    while (j < cs.length && cs[j]!.key < off) {
      out.push(isMap ? { key: cs[j]!.c, value: null } : cs[j]!.c);
      j++;
    }
    out.push(old[i]!);
  }
  for (; j < cs.length; j++) out.push(isMap ? { key: cs[j]!.c, value: null } : cs[j]!.c);
  if (isMap) (c.target as Mapping).items = out as Item[];
  else {
    const arr = c.target as Value[];
    arr.length = 0;
    for (const v of out) arr.push(v as Value);
  }
}

export function cloneValue(v: Value): Value {
  if (v instanceof Mapping) return new Mapping(v.items.map((it) => ({ key: it.key, value: cloneValue(it.value) })));
  if (Array.isArray(v)) return v.map(cloneValue);
  return v;
}

export function lineStartsOf(src: string): number[] {
  const ls = [0];
  let i = src.indexOf('\n');
  while (i !== -1) {
    ls.push(i + 1);
    i = src.indexOf('\n', i + 1);
  }
  return ls;
}

/**
 * The text both loaders read: UTF-8, no BOM, LF line ends. Invalid UTF-8 is refused, as go-yaml refuses it, so that
 * encrypting never replaces a byte of the user's file with U+FFFD.
 */
export function yamlText(bytes: Uint8Array): string {
  let src = utf8OrFail(bytes, 'Error unmarshaling input YAML: ');
  if (src.charCodeAt(0) === 0xfeff) src = src.slice(1);
  if (src.includes('\r')) src = src.replace(/\r\n?/g, '\n');
  return src;
}

/** Parses a YAML stream into one branch per document with the `yaml` CST: every YAML construct. */
export function loadYamlCst(src: string): Branches {
  const lineStarts = lineStartsOf(src);
  const branches: Branches = [];
  let pending: SrcTok[] = [];
  let last: DocLoader | undefined;
  for (const tok of new Parser().parse(src)) {
    switch (tok.type) {
      case 'comment':
        pending.push(tok);
        break;
      case 'error':
        fail(tok.message);
        break;
      case 'document': {
        const root = new Mapping();
        const d = new DocLoader(lineStarts, branches.length === 0, root);
        d.comments.push(...pending);
        pending = [];
        const p = d.props(tok.start);
        const v = tok.value;
        if (v && v.type === 'block-map') {
          d.root.col = d.col(v.items[0]?.key?.offset ?? v.offset);
          d.blockMap(v, null, d.root);
          if (p.anchor !== undefined) d.anchors.set(p.anchor, root);
        } else if (v && v.type === 'flow-collection' && v.start.source === '{') {
          const m = d.flow(v) as Mapping;
          root.items = m.items;
        } else if (v && v.type === 'alias') {
          fail('YAML documents that are aliases are not supported');
        } else {
          const val = d.node(v, p, null);
          if (val !== null) fail('YAML documents that are sequences or values are not supported');
        }
        d.collectComments(tok.end);
        d.comments.sort((a, b) => a.offset - b.offset);
        d.placeComments(src);
        branches.push(root);
        last = d;
        break;
      }
      case 'doc-end':
        pending.push(...(tok.end ?? []).filter((t) => t.type === 'comment'));
        break;
      default:
        break;
    }
  }
  if (pending.length > 0 && last) {
    last.comments.length = 0;
    last.items.length = 0;
    // Stream-end comments after `...` belong to the last document's top level.
    for (const t of pending) (last.root.target as Mapping).items.push({ key: new Comment(t.source.slice(1)), value: null });
  }
  return branches;
}
