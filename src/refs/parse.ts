// Reading vals-style references: where they stand in a string, and how one is taken apart. The shape is vals's
// (`(secret)ref+SCHEME://HOST/PATH?PARAMS#FRAGMENT`, an optional `+` ending it inside a longer string) and the URL
// rules are Go's net/url ones that vals relies on (scheme lower-cased, path and fragment percent-decoded, a host
// with a bad port or a forbidden character refused). Pure text, no provider; guardPath only hands a path to the
// run's own guard.
import { RefFetchError, type ParsedRef, type RefContext } from './types.js';

/**
 * vals's reference pattern: the kind (`ref` or `secretref`), `+`, a scheme (anything but `+` and `:`), `://`, then
 * everything up to a `+`, a newline or a space, not ending on `"` or `,`; a `+` right after it ends the reference
 * and is dropped. Linear: every part stops at the next `+`.
 */
const REF_SOURCE = String.raw`((secret)?ref)\+([^+:]*:\/\/[^+\n ]+[^+\n ",])\+?`;
const REF_ONE = new RegExp(REF_SOURCE);
const REF_ALL = new RegExp(REF_SOURCE, 'g');
const REF_WHOLE = new RegExp(`^${REF_SOURCE}$`);

/** One reference found inside a string. */
export interface RefMatch {
  /** Offsets of the whole match in the string, the `+` terminator included. */
  readonly start: number;
  readonly end: number;
  /** The reference as written, `ref+...` without the terminator (what messages name). */
  readonly raw: string;
  /** What follows `ref+`: `SCHEME://...` (vals's lookup key). */
  readonly uri: string;
  readonly kind: 'ref' | 'secretref';
}

function matchOf(m: RegExpExecArray, offset = 0): RefMatch {
  const kind = m[1] === 'secretref' ? 'secretref' : 'ref';
  const uri = m[3];
  return { start: offset + m.index, end: offset + m.index + m[0].length, raw: `${kind}+${uri}`, uri, kind };
}

/** Every reference embedded in `text`, left to right, as vals finds them. */
export function findRefs(text: string): RefMatch[] {
  const out: RefMatch[] = [];
  REF_ALL.lastIndex = 0;
  for (let m = REF_ALL.exec(text); m; m = REF_ALL.exec(text)) out.push(matchOf(m));
  return out;
}

/** The first reference in `text` at or after `from`, or undefined. */
export function firstRef(text: string, from = 0): RefMatch | undefined {
  const m = REF_ONE.exec(from === 0 ? text : text.slice(from));
  return m ? matchOf(m, from) : undefined;
}

/** Whether `text` holds at least one reference. */
export function hasRefs(text: string): boolean {
  return text.includes('ref+') && REF_ONE.test(text);
}

/** Whether `text` is one reference and nothing else (its `+` terminator allowed): vals then keeps the value's type. */
export function isWholeRef(text: string): boolean {
  return REF_WHOLE.test(text);
}

/** Where each `ref+`/`secretref+` prefix stands, for nested references (vals resolves them inside out). */
export function refPrefixes(text: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  const re = /(secret)?ref\+/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push({ start: m.index, end: m.index + m[0].length });
  return out;
}

const malformed = (why: string) => new RefFetchError('malformed', `malformed reference: ${why}`);

/** Go's url unescape for a path or fragment: `%XX` with two hex digits, else an error. */
function unescape(s: string, what: string): string {
  if (!s.includes('%')) return s;
  if (/%(?![0-9A-Fa-f]{2})/.test(s)) throw malformed(`invalid URL escape in the ${what}`);
  const bytes: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < s.length; ) {
    if (s[i] === '%') {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      const cp = s.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      bytes.push(...enc.encode(ch));
      i += ch.length;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Characters Go's net/url refuses in a host name (beyond letters, digits and `-._~!$&'()*+,;=:[]<>"`). */
const HOST_BAD = /[^A-Za-z0-9\-._~!$&'()*+,;=:[\]<>"%\u0080-\u{10ffff}]/u;

function parseHost(authority: string): string {
  // `user:pass@host`: Go keeps the user info apart, and vals only reads the host.
  const at = authority.lastIndexOf('@');
  const host = at >= 0 ? authority.slice(at + 1) : authority;
  if (HOST_BAD.test(host)) throw malformed('invalid character in the host name');
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close < 0) throw malformed("missing ']' in the host");
    const port = host.slice(close + 1);
    if (port !== '' && !/^:\d*$/.test(port)) throw malformed('invalid port after the host');
  } else {
    const colon = host.lastIndexOf(':');
    if (colon >= 0 && !/^\d*$/.test(host.slice(colon + 1))) throw malformed('invalid port after the host (a `:` in the host must start a port)');
  }
  if (/%(?![0-9A-Fa-f]{2})/.test(host)) throw malformed('invalid URL escape in the host');
  return unescape(host, 'host');
}

/**
 * Takes one reference apart. Returns null when `text` is not a reference as a whole (vals would leave it as text);
 * throws a RefFetchError('malformed') when it has a reference's shape but Go's url.Parse would refuse it.
 */
export function parseRef(text: string): ParsedRef | null {
  const m = REF_WHOLE.exec(text);
  if (!m) return null;
  const kind = m[1] === 'secretref' ? 'secretref' : 'ref';
  return parseUri(m[3], kind);
}

/** Parses `SCHEME://...` (what follows `ref+`) as vals does with Go's url.Parse. */
export function parseUri(uri: string, kind: 'ref' | 'secretref' = 'ref'): ParsedRef {
  const raw = `${kind}+${uri}`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(uri)) throw malformed('invalid control character in the URL');
  const sep = uri.indexOf('://');
  const schemeText = uri.slice(0, sep);
  if (schemeText === '') throw malformed('missing scheme');
  if (!/^[A-Za-z][A-Za-z0-9+.-]*$/.test(schemeText)) throw malformed('invalid scheme');
  const scheme = schemeText.toLowerCase();
  let rest = uri.slice(sep + 3);

  // An ARN right after `://` keeps its colons: it is the host, as vals treats it.
  if (/^arn:aws[:-]/.test(rest)) {
    const end = rest.search(/[?#]/);
    const arn = end < 0 ? rest : rest.slice(0, end);
    const tail = end < 0 ? '' : rest.slice(end);
    const hash = tail.indexOf('#');
    const query = hash < 0 ? tail.slice(1) : tail.slice(1, hash);
    const fragment = hash < 0 ? undefined : unescape(tail.slice(hash + 1), 'fragment');
    return { raw, kind, scheme, host: arn, path: '', key: arn, params: new URLSearchParams(tail.startsWith('?') ? query : ''), fragment };
  }

  let fragment: string | undefined;
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    fragment = unescape(rest.slice(hash + 1), 'fragment');
    rest = rest.slice(0, hash);
  }
  let query = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const host = parseHost(authority);
  const path = unescape(slash < 0 ? '' : rest.slice(slash), 'path');
  return { raw, kind, scheme, host, path, key: keyOf(host, path), params: new URLSearchParams(query), fragment };
}

/** vals's provider key: the host, then the path without its leading `/` when there is a host. */
function keyOf(host: string, path: string): string {
  const parts: string[] = [];
  if (host !== '') parts.push(host);
  let p = path.replace(/^#/, '');
  if (host !== '') p = p.replace(/^\//, '');
  if (p !== '') parts.push(p);
  return parts.join('/');
}

/** The fragment as vals reads it: without `#` and one leading `/`; '' when there is none. */
export function fragmentPath(ref: ParsedRef): string {
  return (ref.fragment ?? '').replace(/^#/, '').replace(/^\//, '');
}

/**
 * A provider parameter as vals reads one: the first `?name=` value, else the environment variable
 * `VALS_<NAME>` (vals's fallback for every provider parameter), else undefined.
 */
export function refParam(ref: ParsedRef, name: string, env: NodeJS.ProcessEnv): string | undefined {
  const v = ref.params.get(name);
  if (v !== null) return v;
  const e = env[`VALS_${name.toUpperCase()}`];
  return e === undefined || e === '' ? undefined : e;
}

/** The run's path guard, if any, as a refusal of the reference. */
export async function guardPath(path: string, ctx: RefContext): Promise<void> {
  if (!ctx.checkPath) return;
  try {
    await ctx.checkPath(path);
  } catch (err) {
    throw new RefFetchError('denied', err instanceof Error ? err.message : String(err));
  }
}
