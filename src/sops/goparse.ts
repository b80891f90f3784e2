// Go's parsing of the plaintext a leaf decrypts to (strconv.Atoi, ParseFloat, ParseBool) and of RFC3339 times
// (time.Parse, MarshalText, Format(time.RFC3339)), as sops applies them: the cipher and the metadata use these.
import { ExitCode, SopsError } from '../errors.js';

function fail(cause: string): SopsError {
  return new SopsError(cause, ExitCode.ErrorDecryptingTree);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** strconv.Atoi on a 64-bit platform: base 10, optional sign, int64 range. */
export function parseGoInt(s: string): bigint {
  if (!/^[+-]?[0-9]+$/.test(s)) throw fail('Could not parse int: invalid syntax');
  const v = BigInt(s);
  if (v < INT64_MIN || v > INT64_MAX) throw fail('Could not parse int: value out of range');
  return v;
}

const FLOAT_RE = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

/** strconv.ParseFloat(s, 64) for decimal input and the Inf/Infinity/NaN spellings (case-insensitive). */
export function parseGoFloat(s: string): number {
  const lower = s.toLowerCase();
  if (lower === 'nan') return NaN;
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (!FLOAT_RE.test(s)) throw fail('Could not parse float: invalid syntax');
  const v = Number(s);
  if (!Number.isFinite(v)) throw fail('Could not parse float: value out of range');
  return v;
}

/** strconv.ParseBool. */
export function parseGoBool(s: string): boolean {
  switch (s) {
    case '1':
    case 't':
    case 'T':
    case 'TRUE':
    case 'true':
    case 'True':
      return true;
    case '0':
    case 'f':
    case 'F':
    case 'FALSE':
    case 'false':
    case 'False':
      return false;
  }
  throw fail('Could not parse bool: invalid syntax');
}

// ---------------------------------------------------------------------------------------------
// RFC3339 (Go time.Parse / MarshalText / Format(time.RFC3339))

const RFC3339_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

interface TimeParts {
  date: string;
  frac: string;
  zone: string;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function parseRfc3339(s: string): TimeParts | null {
  const m = RFC3339_RE.exec(s);
  if (!m) return null;
  const [, y, mo, d, h, mi, se, frac = '', zone] = m;
  const year = Number(y);
  const month = Number(mo);
  if (month < 1 || month > 12) return null;
  if (Number(d) < 1 || Number(d) > daysIn(year, month)) return null;
  if (Number(h) > 23 || Number(mi) > 59 || Number(se) > 59) return null;
  let z = zone;
  if (z !== 'Z') {
    const zh = Number(z.slice(1, 3));
    const zm = Number(z.slice(4, 6));
    if (zh > 23 || zm > 59) return null;
    if (zh === 0 && zm === 0) z = 'Z';
  }
  return { date: `${y}-${mo}-${d}T${h}:${mi}:${se}`, frac, zone: z };
}

/** time.UnmarshalText then MarshalText: RFC3339Nano with trailing fractional zeros dropped and `Z` for a zero offset. */
export function canonicalTime(s: string): string {
  const p = parseRfc3339(s);
  if (!p) throw fail('Could not parse time: not RFC3339');
  const frac = p.frac.replace(/0+$/, '');
  return p.date + (frac ? '.' + frac : '') + p.zone;
}

/** time.Parse(RFC3339) then Format(RFC3339): second precision. Null when Go would refuse to parse it. */
export function rfc3339Seconds(s: string): string | null {
  const p = parseRfc3339(s);
  return p ? p.date + p.zone : null;
}
