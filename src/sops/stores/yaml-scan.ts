// The YAML tokenizer, written to accept, refuse and tokenize exactly what go-yaml v3 (the parser sops links) does:
// the same simple-key rules, indentation stack, tab rules, YAML 1.1 line breaks (NEL, LS, PS), escapes, and the
// comment records yaml.v3 keeps beside its tokens (head, line and foot comments, with the marks that decide which
// node each one is attached to). The text is a JS string; marks count characters, as go-yaml's do.

/** A position: `index` counts characters (a surrogate pair is one), `pos` is the offset in the JS string. */
export interface Mark {
  index: number;
  line: number;
  column: number;
  pos: number;
}

export type TokenType =
  | 'stream-start'
  | 'stream-end'
  | 'version-directive'
  | 'tag-directive'
  | 'document-start'
  | 'document-end'
  | 'block-sequence-start'
  | 'block-mapping-start'
  | 'block-end'
  | 'flow-sequence-start'
  | 'flow-sequence-end'
  | 'flow-mapping-start'
  | 'flow-mapping-end'
  | 'block-entry'
  | 'flow-entry'
  | 'key'
  | 'value'
  | 'alias'
  | 'anchor'
  | 'tag'
  | 'scalar';

export type ScalarStyle = 'plain' | 'single' | 'double' | 'literal' | 'folded';

export interface Token {
  type: TokenType;
  start: Mark;
  end: Mark;
  /** Scalar text, anchor or alias name, tag handle, or %TAG handle. */
  value?: string;
  /** Tag suffix, or %TAG prefix. */
  suffix?: string;
  style?: ScalarStyle;
  major?: number;
  minor?: number;
}

/** A comment as yaml.v3 records it: the text (with its `#`, lines joined by LF) and the marks that place it. */
export interface CommentRec {
  scan: Mark;
  token: Mark;
  start: Mark;
  end: Mark;
  head: string;
  line: string;
  foot: string;
}

/** go-yaml's error: the problem, where it was found, and the context it was found in. */
export class YamlSyntaxError extends Error {
  constructor(
    readonly problem: string,
    readonly problemMark: Mark,
    readonly phase: 'reader' | 'scanner' | 'parser' | 'composer',
    readonly contextMark?: Mark,
    readonly context?: string,
  ) {
    super(problem);
  }

  /** The message go-yaml gives (`yaml: line N: problem`; no line where go-yaml names none). */
  goMessage(): string {
    let line = 0;
    const inc = this.phase === 'scanner' ? 1 : 0;
    if (this.contextMark && this.contextMark.line !== 0) line = this.contextMark.line + inc;
    else if (this.problemMark.line !== 0) line = this.problemMark.line + inc;
    if (this.phase === 'composer' || this.phase === 'reader') return `yaml: ${this.problem}`;
    return `yaml: ${line !== 0 ? `line ${line}: ` : ''}${this.problem}`;
  }
}

interface SimpleKey {
  possible: boolean;
  required: boolean;
  tokenNumber: number;
  mark: Mark;
}

const MAX_FLOW_LEVEL = 10000;
const MAX_INDENTS = 10000;

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09;
}
function isBreak(c: number): boolean {
  return c === 0x0a || c === 0x0d || c === 0x85 || c === 0x2028 || c === 0x2029;
}
function isBreakZ(c: number): boolean {
  return c === 0 || isBreak(c);
}
function isBlankZ(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0 || isBreak(c);
}
function isAlpha(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x2d;
}
function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}
function hexVal(c: number): number {
  return c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57;
}
/** A break that takes more than one byte in UTF-8: go-yaml's byte-wise look-ahead stops right after it. */
function isWideBreak(c: number): boolean {
  return c === 0x85 || c === 0x2028 || c === 0x2029;
}

const URI_CHARS = new Set(";/?:@&=+$,.!~*'()[]%".split('').map((ch) => ch.charCodeAt(0)));

/** Line and column of offset `i` (for messages about a character the reader refuses). */
function markAt(src: string, i: number): Mark {
  let line = 0;
  let ls = 0;
  for (let j = 0; j < i; j++) {
    const c = src.charCodeAt(j);
    if (isBreak(c) && !(c === 0x0d && src.charCodeAt(j + 1) === 0x0a)) {
      line++;
      ls = j + 1;
    }
  }
  return { index: i, line, column: i - ls, pos: i };
}

/**
 * Refuses what go-yaml's reader refuses: characters outside YAML's printable set (tab, LF, CR, NEL and
 * U+0020 and up, less U+007F-U+009F but NEL, the surrogates, U+FFFE and U+FFFF); and, deliberately, a byte order
 * mark after the start (the loader strips the leading one).
 */
// Characters go-yaml's reader refuses (and a BOM, refused here on purpose), or a surrogate that is not in a pair.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NOT_PRINTABLE = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufeff\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function checkPrintable(src: string): void {
  const m = NOT_PRINTABLE.exec(src);
  if (!m) return;
  const i = m.index;
  if (src.charCodeAt(i) === 0xfeff) {
    // go-yaml skips a BOM at a line start only when its read buffer happens to start with one, so the same
    // file reads two ways depending on where 512-byte chunks fall: one text, one meaning, or none.
    throw new YamlSyntaxError('a byte order mark (U+FEFF) inside the text is refused: go-yaml reads it differently depending on its read buffer', markAt(src, i), 'reader');
  }
  throw new YamlSyntaxError('control characters are not allowed', markAt(src, i), 'reader');
}

export class Scanner {
  private pos = 0;
  private index = 0;
  private line = 0;
  private column = 0;
  private newlines = 0;

  private tokens: Token[] = [];
  private head = 0;
  private tokensParsed = 0;
  private tokenAvailable = false;
  private streamStartProduced = false;
  private streamEndProduced = false;

  private indent = -1;
  private indents: number[] = [];
  private simpleKeyAllowed = false;
  private simpleKeys: SimpleKey[] = [];
  private simpleKeysByTok = new Map<number, number>();
  private flowLevel = 0;

  readonly comments: CommentRec[] = [];
  commentsHead = 0;

  constructor(private readonly src: string) {}

  private ch(i: number): number {
    return i < this.src.length ? this.src.charCodeAt(i) : 0;
  }
  private cur(): number {
    return this.pos < this.src.length ? this.src.charCodeAt(this.pos) : 0;
  }
  private at(k: number): number {
    return this.ch(this.pos + k);
  }
  private mark(): Mark {
    return { index: this.index, line: this.line, column: this.column, pos: this.pos };
  }
  private width(i: number): number {
    const c = this.ch(i);
    return c >= 0xd800 && c <= 0xdbff ? 2 : 1;
  }

  private skip(): void {
    if (!isBlank(this.cur())) this.newlines = 0;
    this.index++;
    this.column++;
    this.pos += this.width(this.pos);
  }

  private skipLine(): void {
    const c = this.cur();
    if (c === 0x0d && this.at(1) === 0x0a) {
      this.index += 2;
      this.pos += 2;
    } else if (isBreak(c)) {
      this.index++;
      this.pos++;
    } else return;
    this.column = 0;
    this.line++;
    this.newlines++;
  }

  /** Appends the current character to `s` and moves past it. */
  private read(s: string[]): void {
    if (!isBlank(this.cur())) this.newlines = 0;
    const w = this.width(this.pos);
    s.push(this.src.slice(this.pos, this.pos + w));
    this.pos += w;
    this.index++;
    this.column++;
  }

  /** Moves past a line break, appending it to `s` as go-yaml does: LF for CR, LF, CRLF and NEL; LS and PS as is. */
  private readLine(s: string[]): void {
    const c = this.cur();
    if (c === 0x0d && this.at(1) === 0x0a) {
      s.push('\n');
      this.pos += 2;
      this.index += 2;
    } else if (c === 0x0d || c === 0x0a || c === 0x85) {
      s.push('\n');
      this.pos++;
      this.index++;
    } else if (c === 0x2028 || c === 0x2029) {
      s.push(String.fromCharCode(c));
      this.pos++;
      this.index++;
    } else return;
    this.column = 0;
    this.line++;
    this.newlines++;
  }

  private err(context: string, contextMark: Mark, problem: string): never {
    throw new YamlSyntaxError(problem, this.mark(), 'scanner', context ? contextMark : undefined, context || undefined);
  }

  // ---- the token queue ----

  /** The next token without consuming it. */
  peek(): Token {
    if (!this.tokenAvailable) this.fetchMoreTokens();
    return this.tokens[this.head];
  }

  /** Consumes the token `peek` returned. */
  skipToken(): void {
    this.tokenAvailable = false;
    this.tokensParsed++;
    const t = this.tokens[this.head];
    if (t.type === 'stream-end') this.streamEndProduced = true;
    this.head++;
    // Drop consumed tokens often (a simple key inserts in the middle of the queue), keeping the last two, which
    // the comment rules look at.
    if (this.head >= 64) {
      const keep = Math.min(this.head, this.tokens.length - 2);
      if (keep > 0) {
        this.tokens = this.tokens.slice(keep);
        this.head -= keep;
      }
    }
  }

  get done(): boolean {
    return this.streamEndProduced;
  }

  private insertToken(at: number, tok: Token): void {
    if (at < 0) this.tokens.push(tok);
    else this.tokens.splice(this.head + at, 0, tok);
  }

  private fetchMoreTokens(): void {
    for (;;) {
      if (this.head < this.tokens.length - 2) {
        const idx = this.simpleKeysByTok.get(this.tokensParsed);
        if (idx === undefined) break;
        if (!this.simpleKeyIsValid(this.simpleKeys[idx])) break;
      }
      this.fetchNextToken();
    }
    this.tokenAvailable = true;
  }

  private fetchNextToken(): void {
    if (!this.streamStartProduced) {
      this.indent = -1;
      this.simpleKeys.push({ possible: false, required: false, tokenNumber: 0, mark: this.mark() });
      this.simpleKeyAllowed = true;
      this.streamStartProduced = true;
      const m = this.mark();
      this.insertToken(-1, { type: 'stream-start', start: m, end: m });
      return;
    }
    const scanMark = this.mark();
    this.scanToNextToken();
    this.unrollIndent(this.column, scanMark);
    const c = this.cur();
    if (this.pos >= this.src.length) {
      this.fetchStreamEnd();
      return;
    }
    if (this.column === 0 && c === 0x25 /* % */) {
      this.fetchDirective();
      return;
    }
    if (this.column === 0 && this.isDocIndicator(0x2d)) {
      this.fetchDocumentIndicator('document-start');
      return;
    }
    if (this.column === 0 && this.isDocIndicator(0x2e)) {
      this.fetchDocumentIndicator('document-end');
      return;
    }
    let commentMark = this.mark();
    if (this.tokens.length > 0 && ((this.flowLevel === 0 && c === 0x3a) || (this.flowLevel > 0 && c === 0x2c))) {
      commentMark = this.tokens[this.tokens.length - 1].start;
    }
    this.fetchToken(c);
    const last = this.tokens[this.tokens.length - 1];
    if (last && last.type === 'block-entry') return;
    this.scanLineComment(commentMark);
  }

  private isDocIndicator(code: number): boolean {
    return this.at(0) === code && this.at(1) === code && this.at(2) === code && isBlankZ(this.at(3));
  }

  private fetchToken(c: number): void {
    const next = this.at(1);
    switch (c) {
      case 0x5b /* [ */:
        { this.fetchFlowCollectionStart('flow-sequence-start'); return; }
      case 0x7b /* { */:
        { this.fetchFlowCollectionStart('flow-mapping-start'); return; }
      case 0x5d /* ] */:
        { this.fetchFlowCollectionEnd('flow-sequence-end'); return; }
      case 0x7d /* } */:
        { this.fetchFlowCollectionEnd('flow-mapping-end'); return; }
      case 0x2c /* , */:
        { this.fetchFlowEntry(); return; }
    }
    if (c === 0x2d && isBlankZ(next)) { this.fetchBlockEntry(); return; }
    if (c === 0x3f && (this.flowLevel > 0 || isBlankZ(next))) { this.fetchKey(); return; }
    if (c === 0x3a && (this.flowLevel > 0 || isBlankZ(next))) { this.fetchValue(); return; }
    if (c === 0x2a) { this.fetchAnchor('alias'); return; }
    if (c === 0x26) { this.fetchAnchor('anchor'); return; }
    if (c === 0x21) { this.fetchTag(); return; }
    if (c === 0x7c && this.flowLevel === 0) { this.fetchBlockScalar(true); return; }
    if (c === 0x3e && this.flowLevel === 0) { this.fetchBlockScalar(false); return; }
    if (c === 0x27) { this.fetchFlowScalar(true); return; }
    if (c === 0x22) { this.fetchFlowScalar(false); return; }
    const indicator =
      isBlankZ(c) ||
      c === 0x2d ||
      c === 0x3f ||
      c === 0x3a ||
      c === 0x2c ||
      c === 0x5b ||
      c === 0x5d ||
      c === 0x7b ||
      c === 0x7d ||
      c === 0x23 ||
      c === 0x26 ||
      c === 0x2a ||
      c === 0x21 ||
      c === 0x7c ||
      c === 0x3e ||
      c === 0x27 ||
      c === 0x22 ||
      c === 0x25 ||
      c === 0x40 ||
      c === 0x60;
    if (
      !indicator ||
      (c === 0x2d && !isBlank(next)) ||
      (this.flowLevel === 0 && (c === 0x3f || c === 0x3a) && !isBlankZ(next))
    ) {
      this.fetchPlainScalar(); return;
    }
    this.err('while scanning for the next token', this.mark(), 'found character that cannot start any token');
  }

  // ---- simple keys ----

  private simpleKeyIsValid(k: SimpleKey): boolean {
    if (!k.possible) return false;
    if (k.mark.line < this.line || k.mark.index + 1024 < this.index) {
      if (k.required) this.err('while scanning a simple key', k.mark, "could not find expected ':'");
      k.possible = false;
      return false;
    }
    return true;
  }

  private saveSimpleKey(): void {
    const required = this.flowLevel === 0 && this.indent === this.column;
    if (this.simpleKeyAllowed) {
      const k: SimpleKey = {
        possible: true,
        required,
        tokenNumber: this.tokensParsed + (this.tokens.length - this.head),
        mark: this.mark(),
      };
      this.removeSimpleKey();
      this.simpleKeys[this.simpleKeys.length - 1] = k;
      this.simpleKeysByTok.set(k.tokenNumber, this.simpleKeys.length - 1);
    }
  }

  private removeSimpleKey(): void {
    const k = this.simpleKeys[this.simpleKeys.length - 1];
    if (k.possible) {
      if (k.required) this.err('while scanning a simple key', k.mark, "could not find expected ':'");
      k.possible = false;
      this.simpleKeysByTok.delete(k.tokenNumber);
    }
  }

  private increaseFlowLevel(): void {
    this.simpleKeys.push({
      possible: false,
      required: false,
      tokenNumber: this.tokensParsed + (this.tokens.length - this.head),
      mark: this.mark(),
    });
    this.flowLevel++;
    if (this.flowLevel > MAX_FLOW_LEVEL) {
      this.err('while increasing flow level', this.simpleKeys[this.simpleKeys.length - 1].mark, `exceeded max depth of ${MAX_FLOW_LEVEL}`);
    }
  }

  private decreaseFlowLevel(): void {
    if (this.flowLevel > 0) {
      this.flowLevel--;
      const k = this.simpleKeys.pop()!;
      this.simpleKeysByTok.delete(k.tokenNumber);
    }
  }

  // ---- indentation ----

  private rollIndent(column: number, number: number, type: TokenType, mark: Mark): void {
    if (this.flowLevel > 0) return;
    if (this.indent < column) {
      this.indents.push(this.indent);
      this.indent = column;
      if (this.indents.length > MAX_INDENTS) {
        this.err('while increasing indent level', this.simpleKeys[this.simpleKeys.length - 1].mark, `exceeded max depth of ${MAX_INDENTS}`);
      }
      const tok: Token = { type, start: mark, end: mark };
      this.insertToken(number > -1 ? number - this.tokensParsed : -1, tok);
    }
  }

  private unrollIndent(column: number, scanMark: Mark): void {
    if (this.flowLevel > 0) return;
    let blockMark: Mark = { ...scanMark, index: scanMark.index - 1 };
    while (this.indent > column) {
      let stop = blockMark.index;
      for (let i = this.comments.length - 1; i >= 0; i--) {
        const cm = this.comments[i];
        if (cm.end.index < stop) break;
        if (cm.start.column === this.indent + 1) blockMark = cm.start;
        stop = cm.scan.index;
      }
      this.insertToken(-1, { type: 'block-end', start: blockMark, end: blockMark });
      this.indent = this.indents.pop()!;
    }
  }

  // ---- fetchers ----

  private fetchStreamEnd(): void {
    if (this.column !== 0) {
      this.column = 0;
      this.line++;
    }
    this.unrollIndent(-1, this.mark());
    this.removeSimpleKey();
    this.simpleKeyAllowed = false;
    const m = this.mark();
    this.insertToken(-1, { type: 'stream-end', start: m, end: m });
  }

  private fetchDirective(): void {
    this.unrollIndent(-1, this.mark());
    this.removeSimpleKey();
    this.simpleKeyAllowed = false;
    this.insertToken(-1, this.scanDirective());
  }

  private fetchDocumentIndicator(type: TokenType): void {
    this.unrollIndent(-1, this.mark());
    this.removeSimpleKey();
    this.simpleKeyAllowed = false;
    const start = this.mark();
    this.skip();
    this.skip();
    this.skip();
    this.insertToken(-1, { type, start, end: this.mark() });
  }

  private simpleToken(type: TokenType): void {
    const start = this.mark();
    this.skip();
    this.insertToken(-1, { type, start, end: this.mark() });
  }

  private fetchFlowCollectionStart(type: TokenType): void {
    this.saveSimpleKey();
    this.increaseFlowLevel();
    this.simpleKeyAllowed = true;
    this.simpleToken(type);
  }

  private fetchFlowCollectionEnd(type: TokenType): void {
    this.removeSimpleKey();
    this.decreaseFlowLevel();
    this.simpleKeyAllowed = false;
    this.simpleToken(type);
  }

  private fetchFlowEntry(): void {
    this.removeSimpleKey();
    this.simpleKeyAllowed = true;
    this.simpleToken('flow-entry');
  }

  private fetchBlockEntry(): void {
    if (this.flowLevel === 0) {
      if (!this.simpleKeyAllowed) this.err('', this.mark(), 'block sequence entries are not allowed in this context');
      this.rollIndent(this.column, -1, 'block-sequence-start', this.mark());
    }
    this.removeSimpleKey();
    this.simpleKeyAllowed = true;
    this.simpleToken('block-entry');
  }

  private fetchKey(): void {
    if (this.flowLevel === 0) {
      if (!this.simpleKeyAllowed) this.err('', this.mark(), 'mapping keys are not allowed in this context');
      this.rollIndent(this.column, -1, 'block-mapping-start', this.mark());
    }
    this.removeSimpleKey();
    this.simpleKeyAllowed = this.flowLevel === 0;
    this.simpleToken('key');
  }

  private fetchValue(): void {
    const k = this.simpleKeys[this.simpleKeys.length - 1];
    if (this.simpleKeyIsValid(k)) {
      this.insertToken(k.tokenNumber - this.tokensParsed, { type: 'key', start: k.mark, end: k.mark });
      this.rollIndent(k.mark.column, k.tokenNumber, 'block-mapping-start', k.mark);
      k.possible = false;
      this.simpleKeysByTok.delete(k.tokenNumber);
      this.simpleKeyAllowed = false;
    } else {
      if (this.flowLevel === 0) {
        if (!this.simpleKeyAllowed) this.err('', this.mark(), 'mapping values are not allowed in this context');
        this.rollIndent(this.column, -1, 'block-mapping-start', this.mark());
      }
      this.simpleKeyAllowed = this.flowLevel === 0;
    }
    this.simpleToken('value');
  }

  private fetchAnchor(type: 'alias' | 'anchor'): void {
    this.saveSimpleKey();
    this.simpleKeyAllowed = false;
    this.insertToken(-1, this.scanAnchor(type));
  }

  private fetchTag(): void {
    this.saveSimpleKey();
    this.simpleKeyAllowed = false;
    this.insertToken(-1, this.scanTag());
  }

  private fetchBlockScalar(literal: boolean): void {
    this.removeSimpleKey();
    this.simpleKeyAllowed = true;
    this.insertToken(-1, this.scanBlockScalar(literal));
  }

  private fetchFlowScalar(single: boolean): void {
    this.saveSimpleKey();
    this.simpleKeyAllowed = false;
    this.insertToken(-1, this.scanFlowScalar(single));
  }

  private fetchPlainScalar(): void {
    this.saveSimpleKey();
    this.simpleKeyAllowed = false;
    this.insertToken(-1, this.scanPlainScalar());
  }

  // ---- whitespace and comments ----

  private scanToNextToken(): void {
    const scanMark = this.mark();
    for (;;) {
      // go-yaml means to skip a BOM at a line start here, but its check looks at the start of its read buffer,
      // where (the stream's own BOM being consumed by its reader) one practically never is: so none is skipped.
      for (;;) {
        const c = this.cur();
        if (c === 0x20 || ((this.flowLevel > 0 || !this.simpleKeyAllowed) && c === 0x09)) this.skip();
        else break;
      }
      const n = this.tokens.length;
      if (this.comments.length > 0 && n > 1) {
        const a = this.tokens[n - 2];
        const b = this.tokens[n - 1];
        const cm = this.comments[this.comments.length - 1];
        if (a.type === 'block-sequence-start' && b.type === 'block-entry' && cm.line.length > 0 && !isBreak(this.cur())) {
          cm.head = cm.line;
          cm.line = '';
          if (cm.start.line === this.line - 1) cm.token = this.mark();
        }
      }
      if (this.cur() === 0x23) this.scanComments(scanMark);
      if (isBreak(this.cur())) {
        this.skipLine();
        if (this.flowLevel === 0) this.simpleKeyAllowed = true;
      } else break;
    }
  }

  /** Reads the comment at the look-ahead distance `peek` (only blanks before it) into `text`. */
  private consumeCommentAt(peekIndex: number, text: string[]): void {
    for (;;) {
      if (isBreakZ(this.cur())) {
        if (this.index >= peekIndex) break;
        this.skipLine();
      } else if (this.index >= peekIndex) {
        this.read(text);
      } else {
        this.skip();
      }
    }
  }

  /** A comment after a token on the same line: yaml.v3's line comment. */
  private scanLineComment(tokenMark: Mark): void {
    if (this.newlines > 0) return;
    for (let peek = 0; peek < 512; peek++) {
      const c = this.at(peek);
      if (this.pos + peek >= this.src.length) break;
      if (isBlank(c)) continue;
      if (c === 0x23) {
        const start = this.markAhead(peek);
        const text: string[] = [];
        this.consumeCommentAt(this.index + peek, text);
        if (text.length > 0) {
          this.comments.push({ scan: start, token: tokenMark, start, end: start, head: '', line: text.join(''), foot: '' });
        }
      }
      break;
    }
  }

  /** The mark `peek` characters ahead on the current line (blanks only in between). */
  private markAhead(peek: number): Mark {
    return { index: this.index + peek, line: this.line, column: this.column + peek, pos: this.pos + peek };
  }

  /**
   * Comment lines before the next token: yaml.v3 splits them into foot comments of what came before and a head
   * comment of what comes next, by their indentation and the blank lines between them.
   */
  private scanComments(scanMarkIn: Mark): void {
    let scanMark = scanMarkIn;
    let token = this.tokens[this.tokens.length - 1];
    if (token.type === 'flow-entry' && this.tokens.length > 1) token = this.tokens[this.tokens.length - 2]!;
    let tokenMark = token.start;
    let start: Mark = { index: 0, line: 0, column: 0, pos: 0 };
    let nextIndent = Math.max(this.indent, 0);
    let recentEmpty = false;
    let firstEmpty = this.newlines <= 1;
    let line = this.line;
    let column = this.column;
    let text: string[] = [];
    let footLine = -1;
    if (scanMark.line > 0) {
      footLine = this.line - this.newlines + 1;
      if (this.newlines === 0 && this.column > 1) footLine++;
    }
    let peek = 0;
    // go-yaml looks ahead byte by byte: right after a NEL, LS or PS it sees a continuation byte, which stops it.
    let garbageAt = -1;
    const aheadMark = (p: number): Mark => ({ index: this.index + p, line, column, pos: this.pos + p });
    for (; peek < 512; peek++) {
      // Past the end go-yaml reads NUL padding, which ends the look-ahead like a line end.
      column++;
      const c = peek === garbageAt ? 0x80 : this.at(peek);
      if (isBlank(c)) continue;
      const closeFlow = this.flowLevel > 0 && (c === 0x5d || c === 0x7d);
      if (closeFlow || (peek !== garbageAt && isBreakZ(c))) {
        if (closeFlow || !recentEmpty) {
          if (
            closeFlow ||
            (firstEmpty && ((start.line === footLine && token.type !== 'value') || start.column - 1 < nextIndent))
          ) {
            if (text.length > 0) {
              if (start.column - 1 < nextIndent) tokenMark = start;
              const end = aheadMark(peek);
              this.comments.push({ scan: scanMark, token: tokenMark, start, end, head: '', line: '', foot: text.join('') });
              scanMark = end;
              tokenMark = scanMark;
              text = [];
            }
          } else if (text.length > 0 && this.pos + peek < this.src.length) {
            text.push('\n');
          }
        }
        if (!isBreak(c)) break;
        firstEmpty = false;
        recentEmpty = true;
        column = 0;
        line++;
        if (isWideBreak(c)) garbageAt = peek + 1;
        continue;
      }
      if (text.length > 0 && (closeFlow || (column - 1 < nextIndent && column !== start.column))) {
        const end = aheadMark(peek);
        this.comments.push({ scan: scanMark, token: tokenMark, start, end, head: '', line: '', foot: text.join('') });
        scanMark = end;
        tokenMark = scanMark;
        text = [];
      }
      if (c !== 0x23) break;
      if (text.length === 0) start = aheadMark(peek);
      else text.push('\n');
      recentEmpty = false;
      this.consumeCommentAt(this.index + peek, text);
      peek = 0;
      column = 0;
      line = this.line;
      nextIndent = Math.max(this.indent, 0);
      garbageAt = isWideBreak(this.cur()) ? 1 : -1;
    }
    if (text.length > 0) {
      const end = { index: this.index + peek - 1, line, column, pos: this.pos + peek - 1 };
      this.comments.push({ scan: scanMark, token: start, start, end, head: text.join(''), line: '', foot: '' });
    }
  }

  // ---- directives, anchors, tags ----

  private scanDirective(): Token {
    const start = this.mark();
    this.skip();
    const name: string[] = [];
    while (isAlpha(this.cur())) this.read(name);
    if (name.length === 0) this.err('while scanning a directive', start, 'could not find expected directive name');
    if (!isBlankZ(this.cur())) this.err('while scanning a directive', start, 'found unexpected non-alphabetical character');
    const n = name.join('');
    let tok: Token;
    if (n === 'YAML') {
      while (isBlank(this.cur())) this.skip();
      const major = this.scanVersionNumber(start);
      if (this.cur() !== 0x2e) this.err('while scanning a %YAML directive', start, "did not find expected digit or '.' character");
      this.skip();
      const minor = this.scanVersionNumber(start);
      tok = { type: 'version-directive', start, end: this.mark(), major, minor };
    } else if (n === 'TAG') {
      while (isBlank(this.cur())) this.skip();
      const handle = this.scanTagHandle(true, start);
      if (!isBlank(this.cur())) this.err('while scanning a %TAG directive', start, 'did not find expected whitespace');
      while (isBlank(this.cur())) this.skip();
      const prefix = this.scanTagUri(true, '', start);
      if (!isBlankZ(this.cur())) this.err('while scanning a %TAG directive', start, 'did not find expected whitespace or line break');
      tok = { type: 'tag-directive', start, end: this.mark(), value: handle, suffix: prefix };
    } else {
      this.err('while scanning a directive', start, 'found unknown directive name');
    }
    while (isBlank(this.cur())) this.skip();
    if (this.cur() === 0x23) {
      // A comment after a directive: consumed, not kept (yaml.v3 keeps none there).
      while (!isBreakZ(this.cur())) this.skip();
    }
    if (!isBreakZ(this.cur())) this.err('while scanning a directive', start, 'did not find expected comment or line break');
    if (isBreak(this.cur())) this.skipLine();
    return tok;
  }

  private scanVersionNumber(start: Mark): number {
    let value = 0;
    let length = 0;
    while (isDigit(this.cur())) {
      length++;
      if (length > 2) this.err('while scanning a %YAML directive', start, 'found extremely long version number');
      value = value * 10 + (this.cur() - 0x30);
      this.skip();
    }
    if (length === 0) this.err('while scanning a %YAML directive', start, 'did not find expected version number');
    return value;
  }

  private scanAnchor(type: 'alias' | 'anchor'): Token {
    const start = this.mark();
    this.skip();
    const s: string[] = [];
    while (isAlpha(this.cur())) this.read(s);
    const end = this.mark();
    const c = this.cur();
    if (
      s.length === 0 ||
      !(isBlankZ(c) || c === 0x3f || c === 0x3a || c === 0x2c || c === 0x5d || c === 0x7d || c === 0x25 || c === 0x40 || c === 0x60)
    ) {
      this.err(type === 'anchor' ? 'while scanning an anchor' : 'while scanning an alias', start, 'did not find expected alphabetic or numeric character');
    }
    return { type, start, end, value: s.join('') };
  }

  private scanTag(): Token {
    const start = this.mark();
    let handle: string;
    let suffix: string;
    if (this.at(1) === 0x3c /* < */) {
      this.skip();
      this.skip();
      handle = '';
      suffix = this.scanTagUri(false, '', start);
      if (this.cur() !== 0x3e) this.err('while scanning a tag', start, "did not find the expected '>'");
      this.skip();
    } else {
      handle = this.scanTagHandle(false, start);
      if (handle.length > 1 && handle.startsWith('!') && handle.endsWith('!')) {
        suffix = this.scanTagUri(false, '', start);
      } else {
        suffix = this.scanTagUri(false, handle, start);
        handle = '!';
        if (suffix.length === 0) [handle, suffix] = [suffix, handle];
      }
    }
    if (!isBlankZ(this.cur())) this.err('while scanning a tag', start, 'did not find expected whitespace or line break');
    return { type: 'tag', start, end: this.mark(), value: handle, suffix };
  }

  private tagErr(directive: boolean, start: Mark, problem: string): never {
    this.err(directive ? 'while parsing a %TAG directive' : 'while parsing a tag', start, problem);
  }

  private scanTagHandle(directive: boolean, start: Mark): string {
    if (this.cur() !== 0x21) this.tagErr(directive, start, "did not find expected '!'");
    const s: string[] = [];
    this.read(s);
    while (isAlpha(this.cur())) this.read(s);
    if (this.cur() === 0x21) this.read(s);
    else if (directive && s.join('') !== '!') this.tagErr(directive, start, "did not find expected '!'");
    return s.join('');
  }

  private scanTagUri(directive: boolean, head: string, start: Mark): string {
    const bytes: number[] = [];
    let hasTag = head.length > 0;
    const s: string[] = [];
    if (head.length > 1) s.push(head.slice(1));
    for (;;) {
      const c = this.cur();
      if (!(isAlpha(c) || URI_CHARS.has(c))) break;
      if (c === 0x25) {
        bytes.length = 0;
        this.scanUriEscapes(directive, start, bytes);
        s.push(Buffer.from(bytes).toString('utf8'));
      } else this.read(s);
      hasTag = true;
    }
    if (!hasTag) this.tagErr(directive, start, 'did not find expected tag URI');
    return s.join('');
  }

  private scanUriEscapes(directive: boolean, start: Mark, out: number[]): void {
    let w = 1024;
    while (w > 0) {
      if (!(this.cur() === 0x25 && isHex(this.at(1)) && isHex(this.at(2)))) this.tagErr(directive, start, 'did not find URI escaped octet');
      const octet = (hexVal(this.at(1)) << 4) + hexVal(this.at(2));
      if (w === 1024) {
        w = (octet & 0x80) === 0 ? 1 : (octet & 0xe0) === 0xc0 ? 2 : (octet & 0xf0) === 0xe0 ? 3 : (octet & 0xf8) === 0xf0 ? 4 : 0;
        if (w === 0) this.tagErr(directive, start, 'found an incorrect leading UTF-8 octet');
      } else if ((octet & 0xc0) !== 0x80) {
        this.tagErr(directive, start, 'found an incorrect trailing UTF-8 octet');
      }
      out.push(octet);
      this.skip();
      this.skip();
      this.skip();
      w--;
    }
  }

  // ---- scalars ----

  private scanBlockScalar(literal: boolean): Token {
    const start = this.mark();
    this.skip();
    let chomping = 0;
    let increment = 0;
    const chomp = (): void => {
      const c = this.cur();
      if (c === 0x2b || c === 0x2d) {
        chomping = c === 0x2b ? 1 : -1;
        this.skip();
      }
    };
    const digit = (): void => {
      if (isDigit(this.cur())) {
        if (this.cur() === 0x30) this.err('while scanning a block scalar', start, 'found an indentation indicator equal to 0');
        increment = this.cur() - 0x30;
        this.skip();
      }
    };
    if (this.cur() === 0x2b || this.cur() === 0x2d) {
      chomp();
      digit();
    } else if (isDigit(this.cur())) {
      digit();
      chomp();
    }
    while (isBlank(this.cur())) this.skip();
    if (this.cur() === 0x23) {
      this.scanLineComment(start);
      while (!isBreakZ(this.cur())) this.skip();
    }
    if (!isBreakZ(this.cur())) this.err('while scanning a block scalar', start, 'did not find expected comment or line break');
    if (isBreak(this.cur())) this.skipLine();
    let end = this.mark();
    let indent = 0;
    if (increment > 0) indent = this.indent >= 0 ? this.indent + increment : increment;
    const s: string[] = [];
    let leadingBreak: string[] = [];
    let trailingBreaks: string[] = [];
    const breaks = (): void => {
      end = this.mark();
      let maxIndent = 0;
      for (;;) {
        while ((indent === 0 || this.column < indent) && this.cur() === 0x20) this.skip();
        if (this.column > maxIndent) maxIndent = this.column;
        if ((indent === 0 || this.column < indent) && this.cur() === 0x09) {
          this.err('while scanning a block scalar', start, 'found a tab character where an indentation space is expected');
        }
        if (!isBreak(this.cur())) break;
        this.readLine(trailingBreaks);
        end = this.mark();
      }
      if (indent === 0) {
        indent = maxIndent;
        if (indent < this.indent + 1) indent = this.indent + 1;
        if (indent < 1) indent = 1;
      }
    };
    breaks();
    let leadingBlank = false;
    while (this.column === indent && this.pos < this.src.length) {
      const trailingBlank = isBlank(this.cur());
      if (!literal && !leadingBlank && !trailingBlank && leadingBreak.length > 0 && leadingBreak[0] === '\n') {
        if (trailingBreaks.length === 0) s.push(' ');
      } else {
        s.push(...leadingBreak);
      }
      leadingBreak = [];
      s.push(...trailingBreaks);
      trailingBreaks = [];
      leadingBlank = isBlank(this.cur());
      const from = this.pos;
      while (!isBreakZ(this.cur())) this.skipChar();
      if (this.pos > from) s.push(this.src.slice(from, this.pos));
      this.readLine(leadingBreak);
      breaks();
    }
    if (chomping !== -1) s.push(...leadingBreak);
    if (chomping === 1) s.push(...trailingBreaks);
    return { type: 'scalar', start, end, value: s.join(''), style: literal ? 'literal' : 'folded' };
  }

  /** `skip` for a non-break content character (the text is sliced by the caller). */
  private skipChar(): void {
    if (!isBlank(this.cur())) this.newlines = 0;
    this.index++;
    this.column++;
    this.pos += this.width(this.pos);
  }

  private scanFlowScalar(single: boolean): Token {
    const start = this.mark();
    this.skip();
    const s: string[] = [];
    let leadingBreak: string[] = [];
    let trailingBreaks: string[] = [];
    let whitespaces: string[] = [];
    for (;;) {
      if (this.column === 0 && (this.isDocIndicator(0x2d) || this.isDocIndicator(0x2e))) {
        this.err('while scanning a quoted scalar', start, 'found unexpected document indicator');
      }
      if (this.pos >= this.src.length) this.err('while scanning a quoted scalar', start, 'found unexpected end of stream');
      let leadingBlanks = false;
      while (!isBlankZ(this.cur())) {
        const c = this.cur();
        if (single && c === 0x27 && this.at(1) === 0x27) {
          s.push("'");
          this.skip();
          this.skip();
        } else if (single && c === 0x27) break;
        else if (!single && c === 0x22) break;
        else if (!single && c === 0x5c && isBreak(this.at(1))) {
          this.skip();
          this.skipLine();
          leadingBlanks = true;
          break;
        } else if (!single && c === 0x5c) {
          let codeLength = 0;
          switch (this.at(1)) {
            case 0x30: s.push('\0'); break;
            case 0x61: s.push('\x07'); break;
            case 0x62: s.push('\x08'); break;
            case 0x74:
            case 0x09: s.push('\t'); break;
            case 0x6e: s.push('\n'); break;
            case 0x76: s.push('\x0b'); break;
            case 0x66: s.push('\x0c'); break;
            case 0x72: s.push('\r'); break;
            case 0x65: s.push('\x1b'); break;
            case 0x20: s.push(' '); break;
            case 0x22: s.push('"'); break;
            case 0x27: s.push("'"); break;
            case 0x5c: s.push('\\'); break;
            case 0x4e: s.push('\u0085'); break;
            case 0x5f: s.push('\u00a0'); break;
            case 0x4c: s.push('\u2028'); break;
            case 0x50: s.push('\u2029'); break;
            case 0x78: codeLength = 2; break;
            case 0x75: codeLength = 4; break;
            case 0x55: codeLength = 8; break;
            default:
              this.err('while parsing a quoted scalar', start, 'found unknown escape character');
          }
          this.skip();
          this.skip();
          if (codeLength > 0) {
            let value = 0;
            for (let k = 0; k < codeLength; k++) {
              if (!isHex(this.at(k))) this.err('while parsing a quoted scalar', start, 'did not find expected hexdecimal number');
              value = value * 16 + hexVal(this.at(k));
            }
            if ((value >= 0xd800 && value <= 0xdfff) || value > 0x10ffff) {
              this.err('while parsing a quoted scalar', start, 'found invalid Unicode character escape code');
            }
            s.push(String.fromCodePoint(value));
            for (let k = 0; k < codeLength; k++) this.skip();
          }
        } else {
          this.read(s);
        }
      }
      const q = this.cur();
      if (single ? q === 0x27 : q === 0x22) break;
      for (;;) {
        const c = this.cur();
        if (isBlank(c)) {
          if (!leadingBlanks) this.read(whitespaces);
          else this.skip();
        } else if (isBreak(c)) {
          if (!leadingBlanks) {
            whitespaces = [];
            this.readLine(leadingBreak);
            leadingBlanks = true;
          } else {
            this.readLine(trailingBreaks);
          }
        } else break;
      }
      if (leadingBlanks) {
        if (leadingBreak.length > 0 && leadingBreak[0] === '\n') {
          if (trailingBreaks.length === 0) s.push(' ');
          else s.push(...trailingBreaks);
        } else {
          s.push(...leadingBreak, ...trailingBreaks);
        }
        trailingBreaks = [];
        leadingBreak = [];
      } else {
        s.push(...whitespaces);
        whitespaces = [];
      }
    }
    this.skip();
    return { type: 'scalar', start, end: this.mark(), value: s.join(''), style: single ? 'single' : 'double' };
  }

  private scanPlainScalar(): Token {
    let s = '';
    let leadingBreak: string[] = [];
    let trailingBreaks: string[] = [];
    let whitespaces: string[] = [];
    let leadingBlanks = false;
    const indent = this.indent + 1;
    const start = this.mark();
    let end = start;
    const src = this.src;
    const len = src.length;
    const flow = this.flowLevel > 0;
    for (;;) {
      if (this.column === 0 && (this.isDocIndicator(0x2d) || this.isDocIndicator(0x2e))) break;
      if (this.cur() === 0x23) break;
      while (!isBlankZ(this.cur())) {
        const c = this.cur();
        if ((c === 0x3a && isBlankZ(this.at(1))) || (flow && (c === 0x2c || c === 0x3f || c === 0x5b || c === 0x5d || c === 0x7b || c === 0x7d))) {
          break;
        }
        if (leadingBlanks || whitespaces.length > 0) {
          if (leadingBlanks) {
            if (leadingBreak[0] === '\n') {
              if (trailingBreaks.length === 0) s += ' ';
              else s += trailingBreaks.join('');
            } else {
              s += leadingBreak.join('') + trailingBreaks.join('');
            }
            trailingBreaks = [];
            leadingBreak = [];
            leadingBlanks = false;
          } else {
            s += whitespaces.join('');
            whitespaces = [];
          }
        }
        // A run of ordinary characters, taken at once (the hot path of big files): the first one unconditionally,
        // then up to a blank, a line end, a ':' (checked above on the next turn) or a flow indicator in a flow.
        const from = this.pos;
        let p = from;
        let chars = 0;
        for (;;) {
          const d = src.charCodeAt(p);
          p += d >= 0xd800 && d <= 0xdbff ? 2 : 1;
          chars++;
          if (p >= len) break;
          const e = src.charCodeAt(p);
          if (e === 0x20 || e === 0x09 || e === 0x0a || e === 0x0d || e === 0x3a || e === 0x85 || e === 0x2028 || e === 0x2029) break;
          if (flow && (e === 0x2c || e === 0x3f || e === 0x5b || e === 0x5d || e === 0x7b || e === 0x7d)) break;
        }
        if (p > len) p = len;
        this.pos = p;
        this.index += chars;
        this.column += chars;
        this.newlines = 0;
        s += src.slice(from, p);
        end = this.mark();
      }
      const c0 = this.cur();
      if (!(isBlank(c0) || isBreak(c0))) break;
      for (;;) {
        const c = this.cur();
        if (isBlank(c)) {
          if (leadingBlanks && this.column < indent && c === 0x09) {
            this.err('while scanning a plain scalar', start, 'found a tab character that violates indentation');
          }
          if (!leadingBlanks) this.read(whitespaces);
          else this.skip();
        } else if (isBreak(c)) {
          if (!leadingBlanks) {
            whitespaces = [];
            this.readLine(leadingBreak);
            leadingBlanks = true;
          } else {
            this.readLine(trailingBreaks);
          }
        } else break;
      }
      if (this.flowLevel === 0 && this.column < indent) break;
    }
    if (leadingBlanks) this.simpleKeyAllowed = true;
    return { type: 'scalar', start, end, value: s, style: 'plain' };
  }

}
