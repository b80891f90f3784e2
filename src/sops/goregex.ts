// Go RE2 patterns (path_regex, encrypted_regex, ..._comment_regex) compiled with re2js, a JavaScript port of RE2:
// the same syntax Go accepts, and matching in time linear in the input whatever the pattern, so a pattern that comes
// from a file (`^(a+)+$`) cannot stall a run the way a backtracking JS RegExp would. Patterns Go would reject yield
// null: an invalid rule never matches.
import type { RE2JS } from 're2js';
import { requirePackage } from '../packages.js';

// re2js builds its Unicode tables when it loads (about 8 ms): only runs whose file or config has a regex pay that.
let engine: typeof RE2JS | undefined;
function re2(): typeof RE2JS {
  engine ??= requirePackage<typeof import('re2js')>('re2js').RE2JS;
  return engine;
}

/** A compiled Go pattern; `test` is Go's regexp.MatchString (unanchored search). */
export interface GoRegex {
  readonly source: string;
  test(s: string): boolean;
}

// Keys repeat across a big file (every list item has the same names): remember the answers for short inputs.
const MEMO_MAX_INPUT = 256;
const MEMO_MAX_ENTRIES = 4096;

class Compiled implements GoRegex {
  private readonly memo = new Map<string, boolean>();

  constructor(
    readonly source: string,
    private readonly re: RE2JS,
  ) {}

  test(s: string): boolean {
    if (s.length > MEMO_MAX_INPUT) return this.re.test(s);
    const hit = this.memo.get(s);
    if (hit !== undefined) return hit;
    const r = this.re.test(s);
    if (this.memo.size >= MEMO_MAX_ENTRIES) this.memo.clear();
    this.memo.set(s, r);
    return r;
  }
}

/** Go refuses an empty flag group `(?)`, which re2js takes as a no-op (outside classes, escapes and \Q...\E). */
function goRejects(pattern: string): boolean {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      if (pattern[i + 1] === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        if (end < 0) return false;
        i = end + 1;
      } else i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
      // A `]` first (after an optional `^`) is a literal member in Go.
      if (pattern[i + 1] === '^') i++;
      if (pattern[i + 1] === ']') i++;
    } else if (c === '(' && pattern.startsWith('(?)', i)) return true;
  }
  return false;
}

const cache = new Map<string, GoRegex | null>();

/**
 * Compiles a Go RE2 pattern (use `.test`, unanchored like MatchString). Returns null for a pattern Go would
 * reject: callers treat it as never matching, or report it.
 */
export function goRegex(pattern: string): GoRegex | null {
  const hit = cache.get(pattern);
  if (hit !== undefined) return hit;
  let result: GoRegex | null;
  try {
    result = goRejects(pattern) ? null : new Compiled(pattern, re2().compile(pattern));
  } catch {
    result = null;
  }
  if (cache.size > 1000) cache.clear();
  cache.set(pattern, result);
  return result;
}
