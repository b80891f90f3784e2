// Text that may hold bytes which are not UTF-8, for the stores whose Go code reads values as byte strings (dotenv,
// INI). While a file is parsed or written, every byte that Go's utf8 package would call invalid stands as the lone
// surrogate U+DC00+byte (such bytes are all >= 0x80, so U+DC80..U+DCFF); a valid file never decodes to one, so the
// mapping is exact both ways. In the tree, a value holding such bytes is a Uint8Array leaf: the bytes sops encrypts
// and hashes into the MAC, unchanged.
import { firstInvalidUtf8 } from './gotext.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8 = new TextEncoder();
const lenient = new TextDecoder('utf-8', { ignoreBOM: true });
/** In unicode mode a class of surrogates matches only lone ones, never half of a pair. */
const ESCAPED = /[\udc80-\udcff]/u;
const LONE_SURROGATE = /[\ud800-\udfff]/u;

/** The bytes as text, each invalid byte as its escape. */
export function decodeRaw(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    // fall through to the walk over the invalid bytes
  }
  let out = '';
  let pos = 0;
  while (pos < bytes.length) {
    const rel = firstInvalidUtf8(bytes.subarray(pos));
    if (rel < 0) {
      out += strictUtf8.decode(bytes.subarray(pos));
      break;
    }
    out += strictUtf8.decode(bytes.subarray(pos, pos + rel)) + String.fromCharCode(0xdc00 + bytes[pos + rel]);
    pos += rel + 1;
  }
  return out;
}

/** Whether `s` holds an escaped byte. */
export function hasRawBytes(s: string): boolean {
  return ESCAPED.test(s);
}

/** The bytes `s` stands for: UTF-8 for its characters, the raw byte for each escape. */
export function encodeRaw(s: string): Uint8Array {
  if (!ESCAPED.test(s)) return utf8.encode(s);
  const parts: Uint8Array[] = [];
  let start = 0;
  const re = new RegExp(ESCAPED.source, 'gu');
  for (let m = re.exec(s); m; m = re.exec(s)) {
    parts.push(utf8.encode(s.slice(start, m.index)), Uint8Array.of(s.charCodeAt(m.index) - 0xdc00));
    start = m.index + 1;
  }
  parts.push(utf8.encode(s.slice(start)));
  return Buffer.concat(parts);
}

/** A parsed value as a tree leaf: a string when it is all text, else its raw bytes. */
export function leafOf(s: string): string | Uint8Array {
  return ESCAPED.test(s) ? new Uint8Array(encodeRaw(s)) : s;
}

/**
 * A leaf as text to write: bytes with their invalid bytes escaped; a string as TextEncoder would write it (a lone
 * surrogate is U+FFFD, so a string never turns into a raw byte on the way out).
 */
export function textOf(v: string | Uint8Array): string {
  if (v instanceof Uint8Array) return decodeRaw(v);
  return LONE_SURROGATE.test(v) ? lenient.decode(utf8.encode(v)) : v;
}
