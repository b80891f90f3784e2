// A line scanner for the regular block layout sops writes (block mappings and sequences, one-line plain or
// quoted scalars, `|`/`|-` literals, comment lines at the column of the entries they stand among, comments after
// a one-line value): it builds the same tree as the full go-yaml-compatible loader (yaml-load.ts), or gives up
// (null) on anything it does not fully understand (a comment next to a blank line, between a key and its block,
// at another column, ...), which the full loader then reads. The differential test holds the two together.
import { Comment, Mapping, type Branches, type Value } from '../tree.js';
import { loadYamlNodes, yamlText } from './yaml-load.js';
import { resolvePlain } from './yaml-resolve.js';

/** go-yaml refuses a simple key whose `:` is more than 1024 characters after its start; stay well inside that. */
const MAX_KEY = 1000;

interface Container {
  col: number;
}

/** Thrown (never escapes) when the text uses anything the scanner does not fully understand. */
const GIVE_UP: unique symbol = Symbol('give up');

// Characters that can start something other than a one-line plain scalar (YAML c-indicators, tab handled globally).
const INDICATOR = new Set([',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`']);
// Control characters and non-characters the `yaml` lexer may treat specially: leave those files to it.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNUSUAL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/;

function giveUp(): never {
  // A symbol, not an Error: declining is the scanner's common exit, so no stack is built, and scanYaml catches it.
  // eslint-disable-next-line @typescript-eslint/only-throw-error
  throw GIVE_UP;
}

/** indexOf bounded to one line (an unbounded search would rescan the rest of the file on every leaf). */
function find(src: string, code: number, from: number, to: number): number {
  for (let i = from; i < to; i++) if (src.charCodeAt(i) === code) return i;
  return -1;
}

/** The first `:` followed by a space or the line end (a mapping key's end), or -1. */
function mapSep(src: string, from: number, eol: number): number {
  for (let i = find(src, 0x3a, from, eol); i >= 0; i = find(src, 0x3a, i + 1, eol)) {
    if (i + 1 === eol || src.charCodeAt(i + 1) === 0x20) return i;
  }
  return -1;
}

class Scanner {
  private pos = 0;
  private eol = 0;
  /** A compact mapping in a sequence (`- key: v`): its first key starts mid-line, at this column. */
  private virtualIndent = -1;
  /** Comment lines seen since the last content line: their column and text (after `#`). */
  private pending: { col: number; text: string }[] = [];
  /** What the last line passed over was: a blank line next to a comment line makes the scanner give up. */
  private prevKind: 'content' | 'blank' | 'comment' = 'content';
  /** The comment after the last one-line value (`key: value # c`), taken by the entry that owns the value. */
  private inline: string | null = null;

  /** With scanPlainTexts: the text of each plain scalar that resolved to a number, a bool or a time, in order. */
  readonly texts: string[] | undefined;

  constructor(
    private readonly src: string,
    keepText = false,
  ) {
    this.texts = keepText ? [] : undefined;
  }

  /**
   * The comment lines before the next entry of a container at `col`: all must stand at `col` (else the scanner
   * gives up); with `closing`, the container ends here and takes only comments at its own column, as foot comments.
   */
  private takeComments(col: number, closing: boolean): Comment[] {
    const p = this.pending;
    if (p.length === 0) return [];
    const at = p[0].col;
    for (const c of p) if (c.col !== at) giveUp();
    if (at !== col) {
      if (!closing) giveUp();
      // A deeper container ends with comments pending that are not its own: yaml.v3 may still attach them to the
      // last entry inside it, so an outer container at their column must not take them as its own foot.
      this.deeperClosed = true;
      return [];
    }
    if (closing && this.deeperClosed) giveUp();
    this.deeperClosed = false;
    this.pending = [];
    return p.map((c) => new Comment(c.text));
  }

  private deeperClosed = false;

  get leftover(): boolean {
    return this.pending.length > 0;
  }

  /** Moves past blank and comment lines (recording the comments) to the next content line; returns its indent. */
  peek(): number {
    if (this.virtualIndent >= 0) return this.virtualIndent;
    const src = this.src;
    for (;;) {
      if (this.pos >= src.length) return -1;
      let eol = src.indexOf('\n', this.pos);
      if (eol < 0) eol = src.length;
      let i = this.pos;
      while (i < eol && src.charCodeAt(i) === 0x20) i++;
      if (i === eol) {
        if (this.prevKind === 'comment') giveUp();
        this.prevKind = 'blank';
        this.pos = eol + 1;
        continue;
      }
      if (src.charCodeAt(i) === 0x23 /* # */) {
        if (this.prevKind === 'blank') giveUp();
        this.prevKind = 'comment';
        this.pending.push({ col: i - this.pos, text: src.slice(i + 1, eol) });
        this.pos = eol + 1;
        continue;
      }
      this.prevKind = 'content';
      if (i === this.pos) {
        const c = src.charCodeAt(i);
        // Document markers and directives: the CST loader handles streams.
        if ((c === 0x2d || c === 0x2e) && (src.startsWith('---', i) || src.startsWith('...', i))) giveUp();
        if (c === 0x25 /* % */) giveUp();
      }
      this.eol = eol;
      return i - this.pos;
    }
  }

  /** A comment right after an indicator (`key: # c`, `- # c`): yaml.v3's rules there are left to the full loader. */
  private comment(_at: number, _eol: number): never {
    giveUp();
  }

  private nextLine(): void {
    this.virtualIndent = -1;
    this.pos = this.eol + 1;
  }

  private isSeqItem(at: number): boolean {
    return this.src.charCodeAt(at) === 0x2d && (at + 1 === this.eol || this.src.charCodeAt(at + 1) === 0x20);
  }

  /** A block mapping whose keys sit at `col`. */
  map(col: number, _parent: Container | null): Mapping {
    const src = this.src;
    const m = new Mapping();
    let c: Container | undefined;
    const seen = new Set<string>();
    for (;;) {
      const ind = this.peek();
      if (ind < col) {
        for (const cm of this.takeComments(col, true)) m.items.push({ key: cm, value: null });
        break;
      }
      if (ind > col) giveUp();
      for (const cm of this.takeComments(col, false)) m.items.push({ key: cm, value: null });
      const start = this.pos + col;
      const eol = this.eol;
      if (this.isSeqItem(start)) giveUp();
      let sep: number;
      let key: string;
      const q = src.charCodeAt(start);
      if (q === 0x22 || q === 0x27) {
        // A quoted key: the same one-line rules as a quoted value, then `:` right after the closing quote.
        const close = this.quoteEnd(start, eol);
        sep = close + 1;
        if (src.charCodeAt(sep) !== 0x3a || (sep + 1 < eol && src.charCodeAt(sep + 1) !== 0x20)) giveUp();
        if (close - start > MAX_KEY) giveUp();
        key = this.quoted(start, close);
      } else {
        sep = mapSep(src, start, eol);
        if (sep < 0 || sep - start > MAX_KEY) giveUp();
        key = this.plainKey(start, sep);
      }
      if (seen.has(key)) giveUp();
      seen.add(key);
      c ??= { col };
      let j = sep + 1;
      while (j < eol && src.charCodeAt(j) === 0x20) j++;
      let value: Value;
      if (j === eol || src.charCodeAt(j) === 0x23) {
        value = this.valueBelow(j, sep, eol, col, c, true);
      } else if (src.charCodeAt(j) === 0x7c /* | */) {
        value = this.literal(j, eol, col);
      } else {
        value = this.scalar(j, eol);
        this.nextLine();
        if (this.inline !== null) {
          m.items.push({ key: new Comment(this.inline, true), value: null });
          this.inline = null;
        }
      }
      m.items.push({ key, value });
    }
    return m;
  }

  /** A block sequence whose `-` indicators sit at `col`. */
  seq(col: number, _parent: Container | null): Value[] {
    const src = this.src;
    const arr: Value[] = [];
    let c: Container | undefined;
    for (;;) {
      const ind = this.peek();
      if (ind < col) {
        for (const cm of this.takeComments(col, true)) arr.push(cm);
        break;
      }
      if (ind > col) giveUp();
      const dash = this.pos + col;
      const eol = this.eol;
      // A key at the column of an indentless list ends it: comments before that key are the mapping's.
      if (!this.isSeqItem(dash)) break;
      const head = this.takeComments(col, false);
      for (const cm of head) arr.push(cm);
      c ??= { col };
      let j = dash + 1;
      while (j < eol && src.charCodeAt(j) === 0x20) j++;
      let value: Value;
      if (j === eol || src.charCodeAt(j) === 0x23) {
        value = this.valueBelow(j, dash, eol, col, c, false);
        // An empty item (`-` alone) has no token for yaml.v3 to hang the comments above it on: they move on to
        // whatever node comes next, which may be outside this sequence.
        if (value === null && head.length > 0) giveUp();
      } else {
        const ch = src[j];
        if (ch === '-' && (j + 1 === eol || src.charCodeAt(j + 1) === 0x20)) {
          // `- - x`: a sequence starting mid-line.
          this.virtualIndent = j - this.pos;
          value = this.seq(j - this.pos, c);
        } else if (ch !== '"' && ch !== "'" && mapSep(src, j, eol) >= 0) {
          this.virtualIndent = j - this.pos;
          value = this.map(j - this.pos, c);
        } else {
          value = this.scalar(j, eol);
          this.nextLine();
          if (this.inline !== null) {
            arr.push(new Comment(this.inline, true));
            this.inline = null;
          }
        }
      }
      arr.push(value);
    }
    return arr;
  }

  /**
   * The value of an item whose line ends after its indicator (`key:` or `-` at `ind`), or has only a comment
   * there (it must be set off by a space): the nested block on the next lines, else null. A mapping value may
   * also be a sequence at the key's own column (`seqAtCol`).
   */
  private valueBelow(j: number, ind: number, eol: number, col: number, c: Container, seqAtCol: boolean): Value {
    if (j < eol) {
      if (j === ind + 1) giveUp();
      this.comment(j, eol);
    }
    this.nextLine();
    const next = this.peek();
    if (next > col) {
      return this.block(next, c);
    }
    if (seqAtCol && next === col && this.isSeqItem(this.pos + col)) {
      return this.seq(col, c);
    }
    return null;
  }

  /** A nested block (mapping or sequence) whose first line is the current one, at `col`. */
  private block(col: number, parent: Container): Value {
    return this.isSeqItem(this.pos + col) ? this.seq(col, parent) : this.map(col, parent);
  }

  private plainKey(start: number, end: number): string {
    const src = this.src;
    if (end === start) giveUp();
    const text = src.slice(start, end);
    const c0 = text[0];
    if (INDICATOR.has(c0)) giveUp();
    if ((c0 === '-' || c0 === '?' || c0 === ':') && (text.length === 1 || text[1] === ' ')) giveUp();
    if (text.includes(':') || text.includes(' #') || text.endsWith(' ') || text === '<<') giveUp();
    const k = resolveText(text);
    if (typeof k !== 'string') giveUp();
    return k;
  }

  /** The closing quote of a one-line quoted scalar opened at `j` (double-quoted: without escapes). */
  private quoteEnd(j: number, eol: number): number {
    const src = this.src;
    if (src.charCodeAt(j) === 0x22) {
      const close = find(src, 0x22, j + 1, eol);
      if (close < 0 || find(src, 0x5c /* backslash */, j + 1, close) >= 0) giveUp();
      return close;
    }
    for (let p = j + 1; ; ) {
      const close = find(src, 0x27, p, eol);
      if (close < 0) giveUp();
      if (src.charCodeAt(close + 1) !== 0x27) return close;
      p = close + 2;
    }
  }

  private quoted(j: number, close: number): string {
    const text = this.src.slice(j + 1, close);
    return this.src.charCodeAt(j) === 0x27 && text.includes("'") ? text.replace(/''/g, "'") : text;
  }

  /** A one-line scalar from `j` to the line end (a trailing comment recorded). */
  private scalar(j: number, eol: number): Value {
    const src = this.src;
    const q = src.charCodeAt(j);
    let end: number;
    let value: Value;
    if (q === 0x22 /* " */ || q === 0x27 /* ' */) {
      const close = this.quoteEnd(j, eol);
      value = this.quoted(j, close);
      end = close + 1;
    } else if ((q === 0x5b /* [ */ || q === 0x7b) /* { */ && src.charCodeAt(j + 1) === q + 2) {
      // `[]` and `{}`: how yaml.v3 writes an empty list or mapping.
      value = q === 0x5b ? [] : new Mapping();
      end = j + 2;
    } else {
      const c0 = src[j];
      if (INDICATOR.has(c0)) giveUp();
      if ((c0 === '-' || c0 === '?' || c0 === ':') && (j + 1 === eol || src.charCodeAt(j + 1) === 0x20)) giveUp();
      end = eol;
      for (let h = find(src, 0x23, j, eol); h >= 0; h = find(src, 0x23, h + 1, eol)) {
        if (src.charCodeAt(h - 1) === 0x20) {
          end = h;
          break;
        }
      }
      while (end > j && src.charCodeAt(end - 1) === 0x20) end--;
      const text = src.slice(j, end);
      if (text.includes(': ') || text.endsWith(':')) giveUp();
      value = resolveText(text);
      if (this.texts && typeof value !== 'string' && value !== null) this.texts.push(text);
    }
    let k = end;
    while (k < eol && src.charCodeAt(k) === 0x20) k++;
    if (k < eol) {
      if (src.charCodeAt(k) !== 0x23 || k === end) giveUp();
      // After `[]` or `{}` the comment is the flow collection's, which sops puts inside it: the full loader's job.
      if (value instanceof Mapping || Array.isArray(value)) giveUp();
      this.inline = src.slice(k + 1, eol);
    }
    return value;
  }

  /** `|` or `|-` after a mapping key at `keyCol`: auto-detected indentation, no indicator, no header comment. */
  private literal(j: number, eol: number, keyCol: number): string {
    const src = this.src;
    // Only spaces may follow the header (trimEnd would also drop a no-break space, which go-yaml refuses there).
    let he = eol;
    while (he > j && src.charCodeAt(he - 1) === 0x20) he--;
    const header = src.slice(j, he);
    if (header !== '|' && header !== '|-') giveUp();
    let pos = eol + 1;
    let n = -1;
    const lines: string[] = [];
    let trailingEmpty = 0;
    while (pos < src.length) {
      const e = src.indexOf('\n', pos);
      if (e < 0) giveUp(); // no final line break: chomping differs, leave it to the CST loader
      if (e === pos) {
        if (n < 0) giveUp();
        trailingEmpty++;
        pos = e + 1;
        continue;
      }
      let i = pos;
      while (i < e && src.charCodeAt(i) === 0x20) i++;
      if (i === e) giveUp();
      const ind = i - pos;
      if (n < 0) {
        if (ind <= keyCol) giveUp();
        n = ind;
      } else if (ind < n) break;
      for (; trailingEmpty > 0; trailingEmpty--) lines.push('');
      lines.push(src.slice(pos + n, e));
      pos = e + 1;
    }
    if (n < 0) giveUp();
    this.virtualIndent = -1;
    this.pos = pos;
    // Blank lines the block passed over count as blank lines before whatever comes next (a comment, say).
    this.prevKind = trailingEmpty > 0 ? 'blank' : 'content';
    const body = lines.join('\n');
    return header === '|' ? body + '\n' : body;
  }
}

function resolveText(text: string): Value {
  const c = text.charCodeAt(0);
  // Only text starting with a digit, sign, dot, `~` or n/N/t/T/f/F can resolve to a non-string.
  const letter = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  if (letter && c !== 0x6e && c !== 0x4e && c !== 0x74 && c !== 0x54 && c !== 0x66 && c !== 0x46) return text;
  try {
    return resolvePlain(text);
  } catch {
    giveUp();
  }
}

/** The tree of a one-document block-mapping file, or null when the CST loader must read it. */
export function scanYaml(src: string): Branches | null {
  return scan(src, false)?.tree ?? null;
}

/**
 * scanYaml for readers that need a plain scalar's text besides its value (.sops.yaml: yaml.v3 gives a string field
 * the text of `0x10`): `texts` holds, in document order, the text of each number, bool and time in the tree.
 */
export function scanPlainTexts(src: string): { tree: Branches; texts: string[] } | null {
  return scan(src, true);
}

function scan(src: string, keepText: boolean): { tree: Branches; texts: string[] } | null {
  if (src.includes('\t') || !src.endsWith('\n') || UNUSUAL.test(src)) return null;
  try {
    const s = new Scanner(src, keepText);
    const col = s.peek();
    if (col < 0) return null;
    const root = s.map(col, null);
    if (s.peek() !== -1 || s.leftover) return null;
    return { tree: [root], texts: s.texts ?? [] };
  } catch (e) {
    if (e === GIVE_UP) return null;
    throw e;
  }
}

/** Parses a YAML stream into one branch per document, as sops's YAML store does: the scanner, else the CST loader. */
export function loadYaml(bytes: Uint8Array): Branches {
  const src = yamlText(bytes);
  return scanYaml(src) ?? loadYamlNodes(src, bytes.length > 0);
}
