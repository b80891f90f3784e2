// Go's view of text, reproduced for the stores: bytes decoded the way Go's utf8 package does (one U+FFFD per bad byte),
// unicode.IsSpace trimming, and stores.ValToString, which decides how non-string leaves look in dotenv and INI files.
import { ExitCode, SopsError } from '../../errors.js';
import { formatFloatF, formatFloatG } from '../gofmt.js';
import { Mapping, SopsTime, type Value } from '../tree.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Length in bytes of the continuation that `lead` starts, and the allowed range of its first continuation byte. */
function sequence(lead: number): [number, number, number] | undefined {
  if (lead >= 0xc2 && lead <= 0xdf) return [1, 0x80, 0xbf];
  if (lead === 0xe0) return [2, 0xa0, 0xbf];
  if (lead >= 0xe1 && lead <= 0xec) return [2, 0x80, 0xbf];
  if (lead === 0xed) return [2, 0x80, 0x9f];
  if (lead === 0xee || lead === 0xef) return [2, 0x80, 0xbf];
  if (lead === 0xf0) return [3, 0x90, 0xbf];
  if (lead >= 0xf1 && lead <= 0xf3) return [3, 0x80, 0xbf];
  if (lead === 0xf4) return [3, 0x80, 0x8f];
  return undefined;
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence, or -1 when all are valid. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    const seq = sequence(b);
    if (!seq || i + seq[0] >= bytes.length) return i;
    const [n, lo, hi] = seq;
    if (bytes[i + 1] < lo || bytes[i + 1] > hi) return i;
    for (let k = 2; k <= n; k++) if (bytes[i + k] < 0x80 || bytes[i + k] > 0xbf) return i;
    i += n + 1;
  }
  return -1;
}

/**
 * The bytes as text when they are valid UTF-8; otherwise a SopsError `${prefix}invalid UTF-8 at byte N (line L)`.
 * For the stores whose Go code would carry the raw bytes through: refusing is better than replacing them.
 */
export function utf8OrFail(bytes: Uint8Array, prefix: string): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    let line = 1;
    for (let i = 0; i < at; i++) if (bytes[i] === 0x0a) line++;
    throw new SopsError(`${prefix}invalid UTF-8 at byte ${at} (line ${line})`, ExitCode.CouldNotReadInputFile);
  }
}

/**
 * Decodes bytes as Go's utf8.DecodeRune walks them: every byte that does not start a valid sequence becomes
 * `bad` (U+FFFD by default). JSON emission passes a lone surrogate instead so it can escape those bytes as Go does.
 */
export function goDecode(bytes: Uint8Array, bad = '\ufffd'): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    // fall through to the byte-by-byte walk
  }
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    const seq = sequence(b);
    if (seq && i + seq[0] < bytes.length) {
      const [n, lo, hi] = seq;
      let ok = bytes[i + 1] >= lo && bytes[i + 1] <= hi;
      for (let k = 2; ok && k <= n; k++) ok = bytes[i + k] >= 0x80 && bytes[i + k] <= 0xbf;
      if (ok) {
        out += strictUtf8.decode(bytes.subarray(i, i + n + 1));
        i += n + 1;
        continue;
      }
    }
    out += bad;
    i++;
  }
  return out;
}

/** unicode.IsSpace */
export function isGoSpace(c: string): boolean {
  switch (c) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case '\u0085':
    case '\u00a0':
    case '\u1680':
    case '\u2028':
    case '\u2029':
    case '\u202f':
    case '\u205f':
    case '\u3000':
      return true;
    default:
      return c >= '\u2000' && c <= '\u200a';
  }
}

/** strings.TrimLeftFunc(s, unicode.IsSpace) */
export function goTrimLeft(s: string): string {
  let i = 0;
  while (i < s.length && isGoSpace(s[i])) i++;
  return s.slice(i);
}

/** strings.TrimSpace */
export function goTrimSpace(s: string): string {
  let j = s.length;
  while (j > 0 && isGoSpace(s[j - 1])) j--;
  return goTrimLeft(s.slice(0, j));
}

/** Number of UTF-8 bytes, Go's len() of a string. */
export function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Go byte-order string comparison (sort.Strings), which differs from JS `<` only outside the BMP. */
export function goCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** stores.ValToString: how a non-string leaf is written into a dotenv or INI file. */
export function valToString(v: Value): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    const g = formatFloatG(v).replace('e', 'E');
    if (!g.includes('.') && !g.includes('E') && Number.isFinite(v)) return formatFloatF(v) + '.0';
    return g;
  }
  if (v instanceof SopsTime) return v.text.replace(/\.\d+(?=(Z|[+-]\d\d:\d\d)$)/, '');
  if (v instanceof Uint8Array) return goDecode(v);
  if (v === null) return '<nil>';
  if (v instanceof Mapping || Array.isArray(v)) throw new Error('complex value');
  return v.text;
}
