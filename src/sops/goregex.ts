// Go RE2 patterns (path_regex, encrypted_regex, ...) rewritten as equivalent JS RegExps.
// Patterns Go would reject, or that JS cannot express, yield null: an invalid rule never matches.

/** A Go syntax error or a construct with no JS equivalent; caught inside goRegex. */
class Unsupported extends Error {}

interface Flags {
  i: boolean; // case-insensitive
  m: boolean; // ^ and $ match at line breaks
  s: boolean; // . matches \n
  U: boolean; // ungreedy: x* and x*? swap meaning
}

// Characters that need a backslash to be literal in a JS `u` pattern, outside and inside a class.
const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/');
const JS_CLASS_SYNTAX = new Set('\\]^-[');

const GO_SPACE = '\\t\\n\\f\\r ';
const MAX_CODE_POINT = 0x10ffff;
const MAX_REPEAT = 1000;

const POSIX: Record<string, Array<[number, number]>> = {
  alnum: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]],
  alpha: [[0x41, 0x5a], [0x61, 0x7a]],
  ascii: [[0x00, 0x7f]],
  blank: [[0x09, 0x09], [0x20, 0x20]],
  cntrl: [[0x00, 0x1f], [0x7f, 0x7f]],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
  space: [[0x09, 0x0d], [0x20, 0x20]],
  upper: [[0x41, 0x5a]],
  word: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]],
  xdigit: [[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]],
};

function hex(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

function literalOutside(cp: number): string {
  const ch = String.fromCodePoint(cp);
  if (JS_SYNTAX.has(ch)) return '\\' + ch;
  if (cp < 0x20 || cp === 0x7f) return hex(cp);
  return ch;
}

function literalInside(cp: number): string {
  const ch = String.fromCodePoint(cp);
  if (JS_CLASS_SYNTAX.has(ch)) return '\\' + ch;
  if (cp < 0x20 || cp === 0x7f) return hex(cp);
  return ch;
}

function rangeInside(lo: number, hi: number): string {
  return lo === hi ? literalInside(lo) : `${literalInside(lo)}-${literalInside(hi)}`;
}

/** Complement of a sorted, non-overlapping list of ranges, as class content. */
function complementInside(ranges: Array<[number, number]>): string {
  let out = '';
  let next = 0;
  for (const [lo, hi] of ranges) {
    if (lo > next) out += rangeInside(next, lo - 1);
    next = hi + 1;
  }
  if (next <= MAX_CODE_POINT) out += rangeInside(next, MAX_CODE_POINT);
  return out;
}

/** Other code points a letter folds to (simple case mapping), for case-insensitive sub-patterns. */
function caseVariants(cp: number): number[] {
  const ch = String.fromCodePoint(cp);
  const out = new Set<number>();
  for (const v of [ch.toLowerCase(), ch.toUpperCase()]) {
    const vs = Array.from(v);
    if (vs.length === 1) {
      const c = vs[0]!.codePointAt(0)!;
      if (c !== cp) out.add(c);
    }
  }
  return [...out];
}

const GO_SPACE_RANGES: Array<[number, number]> = [[0x09, 0x0a], [0x0c, 0x0d], [0x20, 0x20]];

class Converter {
  private pos = 0;
  private readonly cps: string[];
  /** Every case-sensitivity state under which a literal or class was emitted. */
  readonly caseStates = new Set<boolean>();

  constructor(
    pattern: string,
    /** true: spell out case-insensitivity per literal instead of using the JS `i` flag. */
    private readonly expandCase: boolean,
  ) {
    this.cps = Array.from(pattern);
  }

  convert(): string {
    const out = this.alternation({ i: false, m: false, s: false, U: false });
    if (this.pos < this.cps.length) throw new Unsupported('unmatched )');
    return out;
  }

  private peek(offset = 0): string | undefined {
    return this.cps[this.pos + offset];
  }

  private rest(): string {
    return this.cps.slice(this.pos).join('');
  }

  /** Parses until an unmatched ')' or the end; flags set by (?x) last until then, across '|'. */
  private alternation(flags: Flags): string {
    let out = '';
    // What a following quantifier may apply to: 'atom', 'quantified' (error), or 'none'.
    let last: 'atom' | 'quantified' | 'none' = 'none';
    while (this.pos < this.cps.length) {
      const c = this.cps[this.pos]!;
      if (c === ')') break;
      if (c === '|') {
        this.pos++;
        out += '|';
        last = 'none';
        continue;
      }
      if (c === '*' || c === '+' || c === '?') {
        if (last !== 'atom') throw new Unsupported('bad repetition');
        this.pos++;
        out += c + this.lazySuffix(flags);
        last = 'quantified';
        continue;
      }
      if (c === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(this.rest());
        if (m) {
          if (last !== 'atom') throw new Unsupported('bad repetition');
          const min = Number(m[1]);
          const max = m[2] === undefined ? min : m[3] === '' ? undefined : Number(m[3]);
          if (min > MAX_REPEAT || (max !== undefined && (max > MAX_REPEAT || max < min))) {
            throw new Unsupported('bad repeat count');
          }
          this.pos += Array.from(m[0]).length;
          out += m[0] + this.lazySuffix(flags);
          last = 'quantified';
          continue;
        }
        // A brace that does not form a repeat is a literal in Go.
      }
      if (c === '(' && this.peek(1) === '?' && this.isFlagChange()) {
        this.setFlags(flags);
        continue;
      }
      const atom = this.atom(flags);
      out += atom.text;
      last = atom.repeatable ? 'atom' : 'none';
    }
    return out;
  }

  private lazySuffix(flags: Flags): string {
    let lazy = false;
    if (this.peek() === '?') {
      this.pos++;
      lazy = true;
    }
    return lazy !== flags.U ? '?' : '';
  }

  /** True when the group at pos is `(?flags)` rather than `(?flags:...)` or a named group. */
  private isFlagChange(): boolean {
    const m = /^\(\?[imsU-]*\)/.exec(this.rest());
    return m !== null;
  }

  private parseFlagSpec(spec: string, flags: Flags): void {
    if (spec === '' || spec.endsWith('-') || spec.split('-').length > 2) throw new Unsupported('bad flags');
    let on = true;
    for (const f of spec) {
      if (f === '-') on = false;
      else flags[f as keyof Flags] = on;
    }
  }

  private setFlags(flags: Flags): void {
    const m = /^\(\?([imsU-]*)\)/.exec(this.rest())!;
    this.parseFlagSpec(m[1]!, flags);
    this.pos += m[0].length;
  }

  private atom(flags: Flags): { text: string; repeatable: boolean } {
    const c = this.cps[this.pos]!;
    switch (c) {
      case '(':
        return { text: this.group(flags), repeatable: true };
      case '[':
        return { text: this.charClass(flags), repeatable: true };
      case '\\':
        return this.escape(flags);
      case '.':
        this.pos++;
        return { text: flags.s ? '[\\s\\S]' : '[^\\n]', repeatable: true };
      case '^':
        this.pos++;
        return { text: flags.m ? '(?:(?<![^\\n]))' : '(?:^)', repeatable: true };
      case '$':
        this.pos++;
        return { text: flags.m ? '(?:(?![^\\n]))' : '(?:$)', repeatable: true };
      default:
        this.pos++;
        return { text: this.literal(c.codePointAt(0)!, flags), repeatable: true };
    }
  }

  private literal(cp: number, flags: Flags): string {
    const variants = caseVariants(cp);
    if (variants.length > 0) this.caseStates.add(flags.i);
    if (this.expandCase && flags.i && variants.length > 0) {
      return '[' + [cp, ...variants].map(literalInside).join('') + ']';
    }
    return literalOutside(cp);
  }

  private group(outer: Flags): string {
    const rest = this.rest();
    const flags = { ...outer };
    let open: string;
    let m: RegExpExecArray | null;
    if ((m = /^\(\?P?<([A-Za-z0-9_]+)>/.exec(rest))) {
      if (/^[0-9]/.test(m[1]!)) throw new Unsupported('group name JS cannot express');
      open = `(?<${m[1]}>`;
    } else if ((m = /^\(\?([imsU-]*):/.exec(rest))) {
      if (m[1] !== '') this.parseFlagSpec(m[1]!, flags);
      open = '(?:';
    } else if (rest.startsWith('(?')) {
      throw new Unsupported('unsupported group');
    } else {
      m = /^\(/.exec(rest)!;
      open = '(';
    }
    this.pos += Array.from(m[0]).length;
    const body = this.alternation(flags);
    if (this.peek() !== ')') throw new Unsupported('missing )');
    this.pos++;
    return open + body + ')';
  }

  private escape(flags: Flags): { text: string; repeatable: boolean } {
    const e = this.peek(1);
    if (e === undefined) throw new Unsupported('trailing backslash');
    switch (e) {
      case 'A':
        this.pos += 2;
        return { text: '(?:(?<![\\s\\S]))', repeatable: true };
      case 'z':
        this.pos += 2;
        return { text: '(?:(?![\\s\\S]))', repeatable: true };
      case 'b':
      case 'B':
        this.pos += 2;
        return { text: `(?:\\${e})`, repeatable: true };
      case 'Q': {
        this.pos += 2;
        let text = '';
        while (this.pos < this.cps.length) {
          if (this.peek() === '\\' && this.peek(1) === 'E') {
            this.pos += 2;
            break;
          }
          // Each quoted character is its own atom, so a quantifier after \E binds to the last one.
          text += this.literal(this.cps[this.pos]!.codePointAt(0)!, flags);
          this.pos++;
        }
        return { text, repeatable: text !== '' };
      }
      case 'E':
        this.pos += 2;
        return { text: '', repeatable: false };
    }
    const perl = this.perlClass(e);
    if (perl !== undefined) {
      this.pos += 2;
      return { text: perl, repeatable: true };
    }
    if (e === 'p' || e === 'P') {
      return { text: this.unicodeClass(false), repeatable: true };
    }
    const cp = this.escapedCodePoint();
    return { text: this.literal(cp, flags), repeatable: true };
  }

  private perlClass(e: string): string | undefined {
    switch (e) {
      case 'd':
      case 'D':
      case 'w':
      case 'W':
        return '\\' + e;
      case 's':
        return `[${GO_SPACE}]`;
      case 'S':
        return `[^${GO_SPACE}]`;
    }
    return undefined;
  }

  /** \pL, \p{Greek}, \p{^Greek}, \PL at pos; inClass returns bare class content. */
  private unicodeClass(inClass: boolean): string {
    let negate = this.peek(1) === 'P';
    this.pos += 2;
    let name: string;
    if (this.peek() === '{') {
      const m = /^\{(\^?)([A-Za-z_]+)\}/.exec(this.rest());
      if (!m) throw new Unsupported('bad \\p');
      if (m[1]) negate = !negate;
      name = m[2]!;
      this.pos += m[0].length;
    } else {
      name = this.peek() ?? '';
      if (!/^[A-Z]$/.test(name)) throw new Unsupported('bad \\p');
      this.pos++;
    }
    if (name === 'Any') {
      if (negate) throw new Unsupported('empty class');
      return inClass ? rangeInside(0, MAX_CODE_POINT) : '[\\s\\S]';
    }
    const prop = /^[A-Z][a-z]?$/.test(name) ? name : `Script=${name}`;
    return `\\${negate ? 'P' : 'p'}{${prop}}`;
  }

  /** The code point of a literal escape at pos (\n, \x41, \x{263a}, \123, \., ...). */
  private escapedCodePoint(): number {
    const e = this.peek(1)!;
    const simple: Record<string, number> = { a: 7, f: 12, t: 9, n: 10, r: 13, v: 11 };
    if (e in simple) {
      this.pos += 2;
      return simple[e]!;
    }
    if (e === 'x') {
      const m = /^\\x(?:\{([0-9A-Fa-f]{1,8})\}|([0-9A-Fa-f]{2}))/.exec(this.rest());
      if (!m) throw new Unsupported('bad \\x');
      const cp = parseInt(m[1] ?? m[2]!, 16);
      if (cp > MAX_CODE_POINT) throw new Unsupported('bad \\x');
      this.pos += m[0].length;
      return cp;
    }
    if (/[0-7]/.test(e)) {
      // \1-\7 alone would be a backreference, which RE2 does not have.
      if (e !== '0' && !/[0-7]/.test(this.peek(2) ?? '')) throw new Unsupported('backreference');
      const m = /^\\([0-7]{1,3})/.exec(this.rest())!;
      this.pos += m[0].length;
      return parseInt(m[1]!, 8);
    }
    const cp = e.codePointAt(0)!;
    if (cp < 0x80 && !/[0-9A-Za-z]/.test(e)) {
      this.pos += 2;
      return cp;
    }
    throw new Unsupported('bad escape');
  }

  private charClass(flags: Flags): string {
    this.pos++;
    let negate = false;
    if (this.peek() === '^') {
      negate = true;
      this.pos++;
    }
    const parts: string[] = [];
    const ranges: Array<[number, number]> = [];
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) throw new Unsupported('missing ]');
      if (c === ']' && !first) {
        this.pos++;
        break;
      }
      first = false;
      if (c === '[' && this.peek(1) === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(this.rest());
        if (m) {
          const set = POSIX[m[2]!];
          if (!set) throw new Unsupported('bad POSIX class');
          parts.push(m[1] ? complementInside(set) : set.map(([lo, hi]) => rangeInside(lo, hi)).join(''));
          this.pos += m[0].length;
          continue;
        }
      }
      if (c === '\\') {
        const e = this.peek(1);
        if (e === 'd' || e === 'D' || e === 'w' || e === 'W') {
          parts.push('\\' + e);
          this.pos += 2;
          continue;
        }
        if (e === 's' || e === 'S') {
          parts.push(e === 's' ? GO_SPACE : complementInside(GO_SPACE_RANGES));
          this.pos += 2;
          continue;
        }
        if (e === 'p' || e === 'P') {
          parts.push(this.unicodeClass(true));
          continue;
        }
      }
      const lo = this.classChar();
      let hi = lo;
      if (this.peek() === '-' && this.peek(1) !== undefined && this.peek(1) !== ']') {
        this.pos++;
        hi = this.classChar();
        if (hi < lo) throw new Unsupported('bad range');
      }
      ranges.push([lo, hi]);
      parts.push(rangeInside(lo, hi));
    }
    if (ranges.some(([lo, hi]) => this.hasCase(lo, hi))) this.caseStates.add(flags.i);
    if (this.expandCase && flags.i) {
      for (const [lo, hi] of ranges) parts.push(this.foldedRanges(lo, hi));
    }
    return '[' + (negate ? '^' : '') + parts.join('') + ']';
  }

  private classChar(): number {
    const c = this.peek()!;
    if (c === '\\') {
      const e = this.peek(1);
      if (e === undefined || /[dDwWsSpPQEAzbB]/.test(e)) throw new Unsupported('bad escape in class');
      return this.escapedCodePoint();
    }
    this.pos++;
    return c.codePointAt(0)!;
  }

  private hasCase(lo: number, hi: number): boolean {
    if (hi - lo > 0x200) return true;
    for (let cp = lo; cp <= hi; cp++) if (caseVariants(cp).length > 0) return true;
    return false;
  }

  /** Case variants of a class range, when only part of the pattern is case-insensitive. */
  private foldedRanges(lo: number, hi: number): string {
    let out = '';
    const lower: [number, number] = [0x61, 0x7a];
    const upper: [number, number] = [0x41, 0x5a];
    for (const [[a, b], shift] of [[lower, -32], [upper, 32]] as Array<[[number, number], number]>) {
      const l = Math.max(lo, a);
      const h = Math.min(hi, b);
      if (l <= h) out += rangeInside(l + shift, h + shift);
    }
    if (hi - lo <= 0x200) {
      for (let cp = Math.max(lo, 0x80); cp <= hi; cp++) {
        for (const v of caseVariants(cp)) out += literalInside(v);
      }
    }
    return out;
  }
}

const cache = new Map<string, RegExp | null>();

/**
 * Compiles a Go RE2 pattern into an unanchored JS RegExp with the same matches (use `.test`).
 * Returns null for a pattern Go would reject or JS cannot express: callers treat it as never matching.
 */
export function goRegex(pattern: string): RegExp | null {
  const hit = cache.get(pattern);
  if (hit !== undefined) return hit;
  let result: RegExp | null;
  try {
    const plain = new Converter(pattern, false);
    const source = plain.convert();
    if (plain.caseStates.size <= 1) {
      result = new RegExp(source, plain.caseStates.has(true) ? 'iu' : 'u');
    } else {
      // Case-sensitivity changes inside the pattern: JS has no inline flags before Node 23.
      result = new RegExp(new Converter(pattern, true).convert(), 'u');
    }
  } catch {
    result = null;
  }
  if (cache.size > 1000) cache.clear();
  cache.set(pattern, result);
  return result;
}

/** Compiles a Go RE2 pattern, or says why it cannot be used (for configuration errors). */
export function goRegexOrThrow(pattern: string): RegExp {
  const re = goRegex(pattern);
  if (!re) throw new Error(`can not compile regexp: ${JSON.stringify(pattern)}`);
  return re;
}
