// Writes branches as sops does through yaml.v3's encoder: indentation rules, scalar styles, explicit `? ` keys, no
// line folding (yaml.v3 sets no width), and comments placed as sops turns them into yaml.v3 head/line/foot comments.
// Where yaml.v3 or sops write something that reads back as other data, we write what keeps the data instead (see the
// README's "Deliberate differences from sops"). Plain string building for speed.
import { formatFloatG } from '../gofmt.js';
import { Comment, Mapping, SopsTime, type Branches, type Value } from '../tree.js';
import { resolvesToNonString } from './yaml-resolve.js';

/** yaml.v3 writes a key longer than this (in UTF-8 bytes), or one holding a line break, as an explicit `? ` key. */
const MAX_SIMPLE_KEY = 128;
const BASE60 = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const OLD_BOOL = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF']);

type Style = 'plain' | 'single' | 'double' | 'literal';

function isPrintable(cp: number): boolean {
  return (
    cp === 0x0a ||
    (cp >= 0x20 && cp <= 0x7e) ||
    (cp >= 0xa0 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff)
  );
}

function isBreak(cp: number): boolean {
  return cp === 0x0a || cp === 0x0d || cp === 0x85 || cp === 0x2028 || cp === 0x2029;
}

// Strings the full analysis below always writes plain (ENC values, most keys): a letter that starts no
// special word (null, true, yes, on, ...), then word characters and `+/=,[].:-`, not ending in `:`.
const SURELY_PLAIN = /^[A-EG-MP-SU-XZa-eg-mp-su-xz][\w+/=,[\].:-]*$/;

/** yaml_emitter_analyze_scalar + select_scalar_style for a string sops hands to yaml.v3. */
function styleFor(s: string, simpleKey: boolean): Style {
  if (SURELY_PLAIN.test(s) && s.charCodeAt(s.length - 1) !== 0x3a) return 'plain';
  // `<<` resolves to yaml's merge tag: sops writes `!!merge <<`, which helm applies as a merge. Quoted, it is a string.
  if (s === '<<') return 'double';
  // NEL, LS and PS are line breaks to YAML 1.1 readers (go-yaml, helm): written raw, in any style, they change the
  // text read back (yaml.v3 writes them raw). Only double quotes can escape them.
  if (WIDE_BREAK.test(s)) return 'double';
  let style: Style;
  if (s.includes('\n')) style = 'literal';
  else if (!resolvesToNonString(s) && !(BASE60.test(s) || OLD_BOOL.has(s))) style = 'plain';
  else style = 'double';
  if (s.length === 0) return style === 'plain' ? (simpleKey ? 'single' : 'plain') : style;
  let blockInd = false;
  let lineBreaks = false;
  let special = false;
  let tabs = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let prevSpace = false;
  let prevBreak = false;
  let precededByWs = true;
  if (s.startsWith('---') || s.startsWith('...')) blockInd = true;
  const cps = Array.from(s);
  const n = cps.length;
  for (let i = 0; i < n; i++) {
    const ch = cps[i];
    const cp = ch.codePointAt(0)!;
    const next = i + 1 < n ? cps[i + 1] : '';
    const followedByWs = next === '' || next === ' ' || next === '\t' || isBreak(next.codePointAt(0)!);
    if (i === 0) {
      // (yaml.v3 also tracks flow indicators; block context is all sops writes, so only block ones matter.)
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) blockInd = true;
      else if (ch === '?' || ch === ':') {
        if (followedByWs) blockInd = true;
      } else if (ch === '-' && followedByWs) blockInd = true;
    } else {
      if (ch === ':') {
        if (followedByWs) blockInd = true;
      } else if (ch === '#' && precededByWs) blockInd = true;
    }
    if (ch === '\t') tabs = true;
    else if (!isPrintable(cp)) special = true;
    if (ch === ' ') {
      if (i === 0) leadingSpace = true;
      if (i === n - 1) trailingSpace = true;
      if (prevBreak) breakSpace = true;
      prevSpace = true;
      prevBreak = false;
    } else if (isBreak(cp)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (i === n - 1) trailingBreak = true;
      if (prevSpace) spaceBreak = true;
      prevSpace = false;
      prevBreak = true;
    } else {
      prevSpace = prevBreak = false;
    }
    precededByWs = ch === ' ' || ch === '\t' || isBreak(cp);
  }
  let blockPlain = true;
  let single = true;
  let block = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) blockPlain = false;
  if (trailingSpace) block = false;
  if (breakSpace) blockPlain = single = false;
  if (spaceBreak || tabs || special) blockPlain = single = false;
  if (spaceBreak || special) block = false;
  if (lineBreaks) blockPlain = false;
  if (blockInd) blockPlain = false;
  if (simpleKey && lineBreaks) style = 'double';
  if (style === 'plain' && !blockPlain) style = 'single';
  if (style === 'single' && (!single || lineBreaks)) style = 'double';
  if (style === 'literal' && (!block || simpleKey)) style = 'double';
  return style;
}

const WIDE_BREAK = /[\u0085\u2028\u2029]/;
/** Any line break: a comment's text is written one line per part, so no part of it can become YAML. */
const ANY_BREAK = /\r\n|[\n\r\u0085\u2028\u2029]/;

/** Whether these line comments take more than one line. */
function severalLines(line: Comment[]): boolean {
  return line.length > 1 || (line.length === 1 && ANY_BREAK.test(line[0].text));
}

/** yaml.v3's check_simple_key for a string key: at most 128 bytes of UTF-8 and no line break. */
function simpleKey(s: string): boolean {
  if (s.length > MAX_SIMPLE_KEY / 3 && Buffer.byteLength(s, 'utf8') > MAX_SIMPLE_KEY) return false;
  for (let i = 0; i < s.length; i++) if (isBreak(s.charCodeAt(i))) return false;
  return true;
}

const ESC: Record<number, string> = {
  0: '0', 7: 'a', 8: 'b', 9: 't', 10: 'n', 11: 'v', 12: 'f', 13: 'r', 0x1b: 'e', 0x22: '"', 0x5c: '\\',
  0x85: 'N', 0xa0: '_', 0x2028: 'L', 0x2029: 'P',
};

/** Text size at which a writer with a sink encodes what it has and starts a new string. */
const FLUSH_AT = 1 << 16;

class Writer {
  out = '';
  column = 0;
  whitespace = true;
  indention = true;
  openEnded = false;
  /** Whether earlier text went to the sink (always right after a line break). */
  flushed = false;
  /**
   * With a sink, finished lines are encoded to UTF-8 in 64 KiB pieces as they are written: a string built with
   * `+=` is a rope with a node per piece, which for 100,000 leaves would hold about 20 MB until the end.
   */
  constructor(readonly best: number, private readonly sink?: Uint8Array[]) {}

  put(s: string): void {
    this.out += s;
    this.column += s.length;
  }
  brk(): void {
    this.out += '\n';
    this.column = 0;
    this.indention = true;
    if (this.sink && this.out.length >= FLUSH_AT) {
      this.sink.push(Buffer.from(this.out, 'utf8'));
      this.out = '';
      this.flushed = true;
    }
  }
  indent(ind: number): void {
    if (!this.indention || this.column > ind || (this.column === ind && !this.whitespace)) this.brk();
    if (this.column < ind) {
      this.out += ' '.repeat(ind - this.column);
      this.column = ind;
    }
    this.whitespace = true;
  }
  indicator(s: string, needWs: boolean, isWs: boolean, isInd: boolean): void {
    if (needWs && !this.whitespace) this.put(' ');
    this.put(s);
    this.whitespace = isWs;
    this.indention = this.indention && isInd;
    this.openEnded = false;
  }
  comments(lines: Comment[], ind: number): void {
    for (const c of lines) {
      for (const part of c.text.split(ANY_BREAK)) {
        this.indent(ind);
        this.put('#' + part);
        this.brk();
        this.whitespace = true;
      }
    }
  }
  lineComment(lines: Comment[], ind: number): void {
    if (lines.length === 0) return;
    if (!this.whitespace) this.put(' ');
    let first = true;
    for (const c of lines) {
      for (const part of c.text.split(ANY_BREAK)) {
        if (!first) this.indent(ind);
        first = false;
        this.put('#' + part);
        this.brk();
      }
    }
    this.whitespace = true;
  }

  /**
   * A string scalar in the chosen style; `ind` is where folded or block lines go, `parent` the column of the
   * collection holding it (-1: none), from which a reader counts a block scalar's indentation indicator.
   */
  scalarStr(s: string, ind: number, simpleKey: boolean, parent: number): void {
    const style = styleFor(s, simpleKey);
    if (style === 'plain') {
      if (s.length > 0 && !this.whitespace) this.put(' ');
      this.folded(s, false);
      this.whitespace = s.length === 0 ? this.whitespace : false;
      this.indention = false;
    } else if (style === 'single') {
      this.indicator("'", true, false, false);
      this.folded(s, true);
      this.indicator("'", false, false, false);
      this.whitespace = false;
      this.indention = false;
    } else if (style === 'double') {
      this.double(s);
    } else {
      this.literal(s, ind, parent);
    }
  }

  private folded(s: string, quoted: boolean): void {
    this.put(quoted && s.includes("'") ? s.replace(/'/g, "''") : s);
  }

  private double(s: string): void {
    this.indicator('"', true, false, false);
    // yaml.v3's BOM test looks at the start of the value, not at the character: a value that starts with a BOM
    // has every character escaped. It reads back the same; written so for the same bytes as sops.
    const all = s.charCodeAt(0) === 0xfeff;
    for (const ch of s) {
      const cp = ch.codePointAt(0)!;
      if (all || !isPrintable(cp) || isBreak(cp) || ch === '"' || ch === '\\') {
        const e = ESC[cp];
        if (e !== undefined) this.put('\\' + e);
        else if (cp <= 0xff) this.put('\\x' + cp.toString(16).toUpperCase().padStart(2, '0'));
        else if (cp <= 0xffff) this.put('\\u' + cp.toString(16).toUpperCase().padStart(4, '0'));
        else this.put('\\U' + cp.toString(16).toUpperCase().padStart(8, '0'));
      } else {
        this.put(ch);
      }
    }
    this.indicator('"', false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  private literal(s: string, ind: number, parent: number, line: Comment[] = []): void {
    this.indicator('|', true, false, false);
    // The indicator counts from the enclosing collection's column, not from the writer's indent step: yaml.v3
    // always writes its indent (`|4`), which for a mapping inside a list item (keys two columns past the dash)
    // points past the text's lines, so go-yaml refuses the file.
    // A first line starting with a tab too: go-yaml, detecting the indentation, refuses a tab there ("found a tab
    // character where an indentation space is expected"). yaml.v3 writes no indicator for it, so sops fails to
    // write such a value at all; with one, it reads back as written.
    if (s[0] === ' ' || s[0] === '\n' || s[0] === '\t') this.indicator(String(parent >= 0 ? ind - parent : this.best), false, false, false);
    this.openEnded = false;
    if (!s.endsWith('\n')) this.indicator('-', false, false, false);
    else if (s === '\n' || s.endsWith('\n\n')) {
      this.indicator('+', false, false, false);
      this.openEnded = true;
    }
    // The header's own line end, then the text's: a value that starts with a line break keeps it (yaml.v3's
    // emitter folds the two into one, so `|4-` + "\nx" reads back as "x": data lost).
    if (line.length > 0) this.lineComment(line, ind);
    else this.brk();
    this.whitespace = true;
    let breaks = true;
    let start = 0;
    while (start <= s.length) {
      const nl = s.indexOf('\n', start);
      const seg = nl === -1 ? s.slice(start) : s.slice(start, nl);
      if (seg.length > 0) {
        if (breaks) this.indent(ind);
        this.put(seg);
        this.indention = false;
      }
      if (nl === -1) break;
      this.brk();
      breaks = true;
      start = nl + 1;
    }
  }

  /**
   * A leaf value at a position where a space precedes it; `ind` is the indent for continuation lines, `parent`
   * the column of the collection holding it (-1: none).
   */
  leaf(v: Value, ind: number, line: Comment[], parent: number): void {
    if (typeof v === 'string') {
      if (line.length > 0 && styleFor(v, false) === 'literal') {
        if (!severalLines(line)) {
          this.literal(v, ind, parent, line);
          return;
        }
        // A line comment of several lines after a block header: yaml.v3 writes the later ones at the text's indent,
        // where they read back as the first lines of the text (sops turns `# b` into value). Quoted, the text
        // stays whole and the comment follows it as after any one-line value.
        this.double(v);
      } else this.scalarStr(v, ind, false, parent);
    } else {
      let text: string;
      if (v === null) text = 'null';
      else if (typeof v === 'boolean') text = v ? 'true' : 'false';
      else if (typeof v === 'bigint') text = v.toString();
      else if (typeof v === 'number') {
        text = formatFloatG(v);
        if (text === '+Inf') text = '.inf';
        else if (text === '-Inf') text = '-.inf';
        else if (text === 'NaN') text = '.nan';
      } else if (v instanceof SopsTime) text = v.text;
      else if (v instanceof Uint8Array) {
        this.binary(v, ind, line, parent);
        return;
      } else text = String(v);
      if (!this.whitespace) this.put(' ');
      this.put(text);
      this.whitespace = false;
      this.indention = false;
    }
    // yaml.v3 writes a one-line scalar's line comment after the scalar has given back its indent: a comment of
    // several lines continues at the collection's column (the dash, the key), a block scalar's header one at `ind`.
    this.lineComment(line, parent >= 0 ? parent : ind);
  }

  private binary(v: Uint8Array, ind: number, line: Comment[], parent: number): void {
    const b64 = Buffer.from(v).toString('base64');
    this.indicator('!!binary', true, false, false);
    // (One line too when a line comment of several lines follows: in a block they would become base64 text.)
    if (b64.length < 70 || severalLines(line)) {
      // No bytes: `""`, not an empty scalar, which go-yaml gives no place for the comments around it.
      this.put(' ' + (b64 === '' ? '""' : b64));
      this.whitespace = false;
      this.lineComment(line, parent >= 0 ? parent : ind);
      return;
    }
    let s = '';
    for (let i = 0; i < b64.length; i += 70) s += b64.slice(i, i + 70) + '\n';
    this.literal(s, ind, parent, line);
  }

  /** sops appendTreeBranch + yaml.v3 block mapping at indent `ind`. */
  mapping(m: Mapping, ind: number): void {
    let head: Comment[] = [];
    let inl: Comment[] = [];
    let beginning = true;
    for (const it of m.items) {
      if (it.key instanceof Comment) {
        (it.key.inline ? inl : head).push(it.key);
        continue;
      }
      // Head comments (the mapping's, before its first key, or the key's) go at the key's indent.
      this.comments(head, ind);
      head = [];
      beginning = false;
      this.indent(ind);
      if (simpleKey(it.key)) {
        this.scalarStr(it.key, ind, true, ind);
        this.indicator(':', false, false, false);
      } else {
        this.indicator('?', true, false, true);
        this.scalarStr(it.key, this.best * Math.floor((ind + this.best) / this.best), false, ind);
        this.indent(ind);
        this.indicator(':', true, false, true);
      }
      this.value(it.value, ind, inl, false);
      inl = [];
    }
    const rest = head.concat(inl);
    if (beginning) {
      this.comments(rest, ind);
      this.put(this.whitespace ? '{}' : ' {}');
      this.whitespace = false;
      return;
    }
    this.comments(rest, ind);
  }

  /** A value after `key:` (inSeq false) or after `- ` (inSeq true); `ind` is the parent's indent. */
  value(v: Value, ind: number, line: Comment[], inSeq: boolean): void {
    const child = inSeq ? ind + 2 : this.best * Math.floor((ind + this.best) / this.best);
    if (v instanceof Mapping) {
      if (!v.items.some((it) => !(it.key instanceof Comment))) {
        this.emptyCollection('{}', v.items.map((it) => it.key as Comment), line, child, ind);
        return;
      }
      this.lineComment(line, child);
      this.mapping(v, child);
    } else if (Array.isArray(v)) {
      if (!v.some((x) => !(x instanceof Comment))) {
        this.emptyCollection('[]', v as Comment[], line, child, ind);
        return;
      }
      this.lineComment(line, child);
      this.sequence(v, child);
    } else {
      this.leaf(v, child, line, ind);
    }
  }

  /**
   * An empty mapping or list as a mapping value. yaml.v3 writes a mapping's comments inside its flow braces
   * (`{`, the comments one level in, `}` at the key's indent) and a list's after it, at the key's indent.
   */
  private emptyCollection(text: string, inner: Comment[], line: Comment[], child: number, ind: number): void {
    if (inner.length === 0) {
      this.indicator(text, true, false, false);
      this.lineComment(line, child);
      return;
    }
    if (text === '{}') {
      this.indicator('{', true, true, false);
      this.brk();
      this.whitespace = true;
      this.comments(inner, child);
      this.indent(ind);
      this.indicator('}', false, false, false);
      this.lineComment(line, child);
      return;
    }
    this.indicator('[]', true, false, false);
    if (line.length > 0) this.lineComment(line, child);
    else this.brk();
    this.whitespace = true;
    this.comments(inner, ind);
  }

  /** sops appendSequence + yaml.v3 block sequence with items at `ind`. */
  sequence(list: Value[], ind: number): void {
    let head: Comment[] = [];
    let inl: Comment[] = [];
    for (const item of list) {
      if (item instanceof Comment) {
        (item.inline ? inl : head).push(item);
        continue;
      }
      // A list item that is a mapping: sops makes the comments before its first key the mapping node's head
      // comment, which yaml.v3 writes above the item's dash.
      let value: Value = item;
      if (Array.isArray(item) && !item.some((x) => !(x instanceof Comment))) {
        // An empty list item: all its comments go above the dash, and the item is `[]`.
        head = head.concat(item as Comment[]);
        value = [];
      } else if (item instanceof Mapping && !item.items.some((it) => !(it.key instanceof Comment))) {
        head = head.concat(item.items.map((it) => it.key as Comment));
        value = new Mapping();
      } else if (Array.isArray(item) && item.some((x) => !(x instanceof Comment))) {
        // The same for a list item that is a list: its leading head comments are the inner list node's.
        let k = 0;
        const lead: Comment[] = [];
        for (; k < item.length && item[k] instanceof Comment; k++) if (!(item[k] as Comment).inline) lead.push(item[k] as Comment);
        if (lead.length > 0) {
          head = head.concat(lead);
          value = [...item.slice(0, k).filter((c) => (c as Comment).inline), ...item.slice(k)];
        }
      } else if (item instanceof Mapping && item.items.some((it) => !(it.key instanceof Comment))) {
        const lead: Comment[] = [];
        let k = 0;
        for (; k < item.items.length && item.items[k].key instanceof Comment; k++) {
          const c = item.items[k].key as Comment;
          if (!c.inline) lead.push(c);
        }
        if (lead.length > 0) {
          head = head.concat(lead);
          value = new Mapping([...item.items.slice(0, k).filter((it) => (it.key as Comment).inline), ...item.items.slice(k)]);
        }
      }
      this.comments(head, ind);
      head = [];
      this.indent(ind);
      this.indicator('-', true, false, true);
      this.value(value, ind, inl, true);
      inl = [];
    }
    this.comments(head.concat(inl), ind);
  }
}

function finish(w: Writer): string {
  if (w.column > 0 || !(w.out ? w.out.endsWith('\n') : w.flushed)) w.brk();
  return w.out;
}

/**
 * Serialises branches as sops's YAML store does (one document per branch, `---` between them), as UTF-8 bytes
 * encoded piece by piece while writing, so big files do not keep a rope of every piece until the end.
 */
export function emitYamlBytes(branches: Branches, indent = 4): Uint8Array {
  const sink: Uint8Array[] = [];
  // yaml.v3 writes no `...` at the end of the stream, even after a `|+` block that ends the last document: a
  // Writer's openEnded is not looked at here.
  for (let i = 0; i < branches.length; i++) {
    const w = new Writer(indent, sink);
    if (i > 0) {
      w.put('---');
      w.brk();
    }
    w.mapping(branches[i], 0);
    sink.push(Buffer.from(finish(w), 'utf8'));
  }
  // A fresh array, not a view into Buffer's shared pool (small pieces come from it).
  const out = new Uint8Array(sink.reduce((n, b) => n + b.byteLength, 0));
  let at = 0;
  for (const b of sink) {
    out.set(b, at);
    at += b.byteLength;
  }
  return out;
}

/** One value as yaml.Marshal(sops treeValueToNode(v)) writes it (indent 4): for `--extract`. */
export function emitYamlValue(v: Value, indent = 4): string {
  const w = new Writer(indent);
  if (v instanceof Mapping) {
    w.mapping(v, 0);
  } else if (Array.isArray(v)) {
    if (v.some((x) => !(x instanceof Comment))) w.sequence(v, 0);
    else w.put('[]');
  } else {
    w.leaf(v, 0, [], -1);
    w.openEnded = typeof v === 'string' && styleFor(v, false) === 'plain' ? true : w.openEnded;
    w.openEnded = false;
  }
  let out = finish(w);
  if (w.openEnded) out += '...\n';
  return out.replace(/^ /, '');
}
