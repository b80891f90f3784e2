// yaml.v3's implicit type resolver (resolve.go) for plain scalars, and Go's time.Parse/MarshalText for timestamps.
// It is neither YAML 1.1 nor 1.2 core: `017` is octal, `1_000` is 1000, `yes` is a string, `2024-01-01` is a time.
import { SopsError, ExitCode } from '../../errors.js';
import { SopsTime, type Scalar } from '../tree.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

const FIXED: Record<string, Scalar> = {
  '': null,
  '~': null,
  null: null,
  Null: null,
  NULL: null,
  true: true,
  True: true,
  TRUE: true,
  false: false,
  False: false,
  FALSE: false,
  '.nan': NaN,
  '.NaN': NaN,
  '.NAN': NaN,
  '.inf': Infinity,
  '.Inf': Infinity,
  '.INF': Infinity,
  '+.inf': Infinity,
  '+.Inf': Infinity,
  '+.INF': Infinity,
  '-.inf': -Infinity,
  '-.Inf': -Infinity,
  '-.INF': -Infinity,
};

const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
// A scalar starting with `.` goes to Go's ParseFloat as it is, which takes `_` between digits (`.5_5`, `.5e1_0`).
const GO_FLOAT_DOT = /^\.[0-9](?:_?[0-9])*(?:[eE][-+]?[0-9](?:_?[0-9])*)?$/;

/** Go strconv.ParseInt(s, 0, 64) widened to uint64: the value, or undefined when Go would fail. */
function goParseInt(s: string): bigint | undefined {
  let i = 0;
  let neg = false;
  if (s[0] === '+' || s[0] === '-') {
    neg = s[0] === '-';
    i = 1;
  }
  let body = s.slice(i);
  let re = /^[0-9]+$/;
  let prefix = '';
  if (body.length >= 2 && body[0] === '0') {
    const c = body[1].toLowerCase();
    const base = c === 'x' ? { p: '0x', r: /^[0-9a-fA-F]+$/, skip: 2 } : c === 'o' ? { p: '0o', r: /^[0-7]+$/, skip: 2 } : c === 'b' ? { p: '0b', r: /^[01]+$/, skip: 2 } : { p: '0o', r: /^[0-7]+$/, skip: 1 };
    prefix = base.p;
    re = base.r;
    body = body.slice(base.skip);
  }
  if (!re.test(body)) return undefined;
  const v = BigInt(prefix + body);
  return neg ? -v : v;
}

/** Resolves a plain (unquoted, untagged) scalar the way yaml.v3 does. */
export function resolvePlain(s: string): Scalar {
  const c0 = s.charCodeAt(0);
  // Only text starting with a digit, sign, dot, `~`, `<` or n/N/t/T/f/F can resolve to a non-string (most values
  // are letters first, ENC values among them: no hashing of long strings for the table below).
  if (((c0 >= 0x41 && c0 <= 0x5a) || (c0 >= 0x61 && c0 <= 0x7a)) && c0 !== 0x6e && c0 !== 0x4e && c0 !== 0x74 && c0 !== 0x54 && c0 !== 0x66 && c0 !== 0x46) {
    return s;
  }
  if (s in FIXED && Object.prototype.hasOwnProperty.call(FIXED, s)) return FIXED[s]!;
  const c = s.charCodeAt(0);
  if (c === 0x2e /* . */) {
    return GO_FLOAT_DOT.test(s) ? finiteOr(Number(s.replace(/_/g, '')), s) : s;
  }
  const digit = c >= 0x30 && c <= 0x39;
  if (!digit && c !== 0x2b && c !== 0x2d) return s;
  if (digit) {
    const t = parseTimestamp(s);
    if (t) return t;
  }
  const plain = s.includes('_') ? s.replace(/_/g, '') : s;
  const iv = goParseInt(plain);
  if (iv !== undefined) {
    if (iv >= INT64_MIN && iv <= INT64_MAX) return iv;
    if (iv >= 0n && iv <= UINT64_MAX) {
      throw new SopsError('YAML integer out of the 64-bit signed range', ExitCode.Generic);
    }
  }
  if (YAML_FLOAT.test(plain)) return finiteOr(Number(plain), s);
  // yaml.v3 then parses what follows a `0b` or `0o` prefix on its own, where Go's ParseInt takes a sign: `0o-17`
  // is -15 and `0b+1` is 1 (an int to go-yaml, and so to helm's and sops's reading of the file).
  const signed = SIGNED_RADIX.exec(plain);
  if (signed) {
    const v = BigInt(signed[2] !== undefined ? '0b' + signed[2] : '0o' + signed[4]);
    const neg = (signed[1] ?? signed[3]) === '-';
    if (v <= (neg ? -INT64_MIN : INT64_MAX)) return neg ? -v : v;
  }
  return s;
}

const SIGNED_RADIX = /^0(?:b([-+])([01]+)|o([-+])([0-7]+))$/;

/** Go's ParseFloat fails on overflow (`1e400`), and yaml.v3 then keeps the text as a string. */
function finiteOr(n: number, s: string): Scalar {
  return Number.isFinite(n) ? n : s;
}

/** True when a plain scalar with this text would read back as something other than a string. */
export function resolvesToNonString(s: string): boolean {
  try {
    return typeof resolvePlain(s) !== 'string';
  } catch {
    return true;
  }
}

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
// The layouts yaml.v3 tries with Go's time.Parse: a layout's space takes any run of spaces, the fraction a `.` or
// `,` and at most 9 digits (Go leaves a tenth in the text and fails: a string then).
const TS =
  /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:([Tt]| +)([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[.,]([0-9]{1,9}))?(Z|[+-][0-9]{2}:[0-9]{2})?)?$/;

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

/** yaml.v3 parseTimestamp + Go time.MarshalText (RFC3339Nano). Zero offsets print as `Z` (a UTC host, as sops runs). */
export function parseTimestamp(s: string): SopsTime | undefined {
  if (s.length < 5 || s[4] !== '-') return undefined;
  const m = TS.exec(s);
  if (!m) return undefined;
  const [, ys, mos, ds, sep, hs, mis, ss, frac, zone] = m;
  const spaced = sep !== undefined && sep[0] === ' ';
  if (spaced && zone !== undefined) return undefined;
  if ((sep === 'T' || sep === 't') && zone === undefined) return undefined;
  const year = Number(ys);
  const month = Number(mos);
  const day = Number(ds);
  if (month < 1 || month > 12 || day < 1) return undefined;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (day > (month === 2 && !leap ? 28 : DAYS[month - 1])) return undefined;
  let h = 0,
    mi = 0,
    sec = 0,
    nanos = '';
  let offMin = 0;
  if (sep !== undefined) {
    h = Number(hs);
    mi = Number(mis);
    sec = Number(ss);
    if (h > 23 || mi > 59 || sec > 59) return undefined;
    if (frac) nanos = frac.slice(0, 9).replace(/0+$/, '');
    if (zone && zone !== 'Z') {
      const zh = Number(zone.slice(1, 3));
      const zm = Number(zone.slice(4, 6));
      // Go checks offsets with > (24 hours and 60 minutes pass): +01:60 is +02:00.
      if (zh > 24 || zm > 60) return undefined;
      offMin = (zone[0] === '-' ? -1 : 1) * (zh * 60 + zm);
    }
  }
  const zoneText =
    offMin === 0 ? 'Z' : (offMin < 0 ? '-' : '+') + pad(Math.floor(Math.abs(offMin) / 60), 2) + ':' + pad(Math.abs(offMin) % 60, 2);
  const text =
    `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(sec, 2)}` +
    (nanos ? '.' + nanos : '') +
    zoneText;
  return new SopsTime(text);
}
