// Resolving references as vals does: `vals eval` over a whole document (every string value; a key holding a
// reference merges the mapping it stands for), `vals get` over one string. A string that is one reference takes the
// value's type; references inside a longer string are written into it as Go's %v writes them; nested references
// (`ref+echo://ref+envsubst://$X`) resolve inside out. One run fetches each reference once (one fetch per document
// for all the fragments into it), in parallel up to a bound; each provider retries and times out like the key
// services. A failure is one RefError naming the reference as written and the file, never a value.
import { ExitCode, RefError, SopsError, asSopsError, errorMessage } from '../errors.js';
import { retrySettings } from '../keys/retry.js';
import { goJsonScalar } from '../sops/stores/json.js';
import { Comment, Mapping, SopsTime, type Value } from '../sops/tree.js';
import { findRefs, firstRef, fragmentPath, hasRefs as textHasRefs, parseUri, refPrefixes, type RefMatch } from './parse.js';
import { providerFor } from './registry.js';
import { fromPlain, goSprint, toPlain } from './values.js';
import { hasTimestamp, loadKeepingTimestamps } from './yamldoc.js';

export { fromPlain, goSprint, toPlain };
import { RefFetchError, type ParsedRef, type RefContext } from './types.js';

export interface ResolveOptions {
  env: NodeJS.ProcessEnv;
  /** The file the references come from (named in messages), or undefined for a literal. */
  file?: string;
  /** Base directory for relative paths (`ref+file://x`): helm's working directory. */
  baseDir: string;
  /** Per-call timeout of a secret store (ms); else HELM_SECRETS_KEY_SERVICE_TIMEOUT, else 20 s. */
  timeoutMs?: number;
  /** Calls per fetch (first try plus retries); else HELM_SECRETS_KEY_SERVICE_ATTEMPTS, else 3. */
  attempts?: number;
  /** evalYaml's output: YAML (default) or JSON, as `vals eval -o`. */
  output?: 'yaml' | 'json';
  /** Fetches running at once (default 8). */
  concurrency?: number;
  /** Leave `secretref+...` as written and resolve only `ref+...` (vals's -exclude-secret). */
  excludeSecret?: boolean;
  /** Refuses a local path a reference names (RefContext.checkPath): the helm layer's values-path guards. */
  checkPath?: (path: string) => Promise<void>;
}

export const DEFAULT_CONCURRENCY = 8;
/** vals's bound on nested references. */
const MAX_NESTING = 10;

export function hasRefs(text: string): boolean {
  return textHasRefs(text);
}

/** A bound on the fetches in flight. */
class Limiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}

/** One resolution run: its cache of fetches, its bound, its context. */
class Run {
  private readonly fetched = new Map<string, Promise<Value>>();
  private readonly limiter: Limiter;
  readonly ctx: RefContext;

  constructor(private readonly opts: ResolveOptions) {
    const { timeoutMs, attempts } = retrySettings({ env: opts.env, timeoutMs: opts.timeoutMs, attempts: opts.attempts });
    this.ctx = { env: opts.env, file: opts.file, baseDir: opts.baseDir, timeoutMs, attempts, runCache: new Map(), checkPath: opts.checkPath };
    this.limiter = new Limiter(Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY));
  }

  private fail(shown: string, err: unknown): RefError {
    if (err instanceof RefError) return err;
    const reason = err instanceof RefFetchError ? err.reason : 'failed';
    const cause = errorMessage(err).replace(/\s*\r?\n\s*/g, ' ').trim() || 'failed';
    return new RefError(`${shown}: ${cause}`, reason, this.opts.file);
  }

  private allowed(m: RefMatch): boolean {
    return !(this.opts.excludeSecret && m.kind === 'secretref');
  }

  /** The value of one reference (tree form). `shown` is what a failure names (the reference as written). */
  lookup(m: RefMatch, shown: string = m.raw): Promise<Value> {
    let ref: ParsedRef;
    try {
      ref = parseUri(m.uri, m.kind);
    } catch (err) {
      return Promise.reject(this.fail(shown, err));
    }
    const descriptor = providerFor(ref.scheme);
    if (!descriptor) {
      return Promise.reject(this.fail(shown, new RefFetchError('unknown-provider', `no provider registered for scheme "${ref.scheme}"`)));
    }
    const frag = fragmentPath(ref);
    const docMode = frag !== '';
    const hash = m.uri.indexOf('#');
    const key = docMode ? `doc\0${m.uri.slice(0, hash)}` : `str\0${m.uri}`;
    let pending = this.fetched.get(key);
    if (!pending) {
      pending = this.limiter.run(async () => {
        const provider = await descriptor.load();
        const got = await provider.fetch(ref, this.ctx);
        return docMode ? asDocument(got) : asText(got);
      });
      // Every caller awaits it; a failure seen by none must not become an unhandled rejection.
      pending.catch(() => undefined);
      this.fetched.set(key, pending);
    }
    return pending.then((v) => (docMode ? select(v as Mapping, frag) : v)).catch((err: unknown) => Promise.reject(this.fail(shown, err)));
  }

  /** vals's InValue: one whole reference keeps the value's type; else the string with every reference written in. */
  async expand(text: string): Promise<Value> {
    if (!text.includes('ref+')) return text;
    const s = await this.resolveInner(text, 0, text);
    const nested = s !== text;
    const first = firstRef(s);
    if (!first) return s;
    if (first.start === 0 && first.end === s.length) {
      if (!this.allowed(first)) return s;
      return this.lookup(first, nested ? text : first.raw);
    }
    return this.assemble(s, nested ? text : undefined);
  }

  /** vals's InString: every reference replaced by its value as %v writes it. */
  async inString(text: string): Promise<string> {
    if (!text.includes('ref+')) return text;
    const s = await this.resolveInner(text, 0, text);
    return this.assemble(s, s !== text ? text : undefined);
  }

  /** Writes the values of the references in `s` into it; `named` is what failures name instead of each reference. */
  private async assemble(s: string, named: string | undefined): Promise<string> {
    const matches: RefMatch[] = [];
    for (const m of findRefs(s)) {
      // As vals: at the first reference of a kind left alone, the rest of the string is left as written too.
      if (!this.allowed(m)) break;
      matches.push(m);
    }
    if (matches.length === 0) return s;
    const values = await inOrder(matches.map((m) => this.lookup(m, named ?? m.raw)));
    let out = '';
    let at = 0;
    matches.forEach((m, i) => {
      out += s.slice(at, m.start) + goSprint(values[i]);
      at = m.end;
    });
    return out + s.slice(at);
  }

  /** Nested references, innermost first: a `ref+` prefix with no separator since the previous one is inside it. */
  private async resolveInner(s: string, depth: number, original: string): Promise<string> {
    if (depth >= MAX_NESTING) throw new RefError(`${original}: references nested more than ${MAX_NESTING} deep`, 'malformed', this.opts.file);
    const at = refPrefixes(s);
    if (at.length <= 1) return s;
    for (let i = at.length - 1; i >= 1; i--) {
      if (/[ \n\r\t",]/.test(s.slice(at[i - 1].end, at[i].start))) continue;
      const m = firstRef(s, at[i].start);
      if (!m || !this.allowed(m)) continue;
      const v = await this.lookup(m, original);
      if (v === null || v instanceof Mapping || Array.isArray(v) || v instanceof Comment) {
        throw new RefError(`${original}: a nested reference must resolve to a scalar`, 'failed', this.opts.file);
      }
      return this.resolveInner(s.slice(0, m.start) + goSprint(v) + s.slice(m.end), depth + 1, original);
    }
    return s;
  }

  /** vals's walk over a mapping: string values expanded; a key holding a reference over a mapping merges its value. */
  async mapping(m: Mapping): Promise<Mapping> {
    const kept: { key: string; value: Promise<Value> }[] = [];
    const merges: Promise<Mapping | undefined>[] = [];
    for (const it of m.items) {
      if (it.key instanceof Comment) continue;
      const key = it.key;
      if (it.value instanceof Mapping && textHasRefs(key)) {
        const value = it.value;
        const merged = this.expand(key).then((k) => keyMerge(k, key, this.opts.file));
        merges.push(merged);
        kept.push({ key, value: merged.then((mm) => (mm ? MERGED : this.value(value))) });
        continue;
      }
      kept.push({ key, value: this.value(it.value) });
    }
    const values = await inOrder(kept.map((k) => k.value));
    const extends_ = await inOrder(merges);
    const out = new Mapping();
    kept.forEach((k, i) => {
      if (values[i] !== MERGED) out.set(k.key, values[i]);
    });
    for (const e of extends_) if (e) for (const it of e.items) if (!(it.key instanceof Comment)) out.set(it.key, it.value);
    return out;
  }

  async value(v: Value): Promise<Value> {
    if (typeof v === 'string') return this.expand(v);
    if (v instanceof Mapping) return this.mapping(v);
    if (Array.isArray(v)) return inOrder(v.filter((x) => !(x instanceof Comment)).map((x) => this.value(x)));
    return v;
  }
}

/**
 * Every promise's value; when some fail, the failure of the first in document order (not the first to happen), so
 * the one line a run prints is the same whatever the stores' timing.
 */
async function inOrder<T>(ps: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(ps);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** Marks a key whose reference merged a mapping in its place. */
const MERGED = new SopsTime('\0merged');

/** A key's expansion: a different string parsed as a YAML mapping, or a mapping, merges; anything else does not. */
async function keyMerge(expanded: Value, key: string, file: string | undefined): Promise<Mapping | undefined> {
  if (expanded instanceof Mapping) return expanded;
  if (typeof expanded !== 'string' || expanded === key) return undefined;
  const doc = await parseDocument(expanded).catch(() => undefined);
  if (doc === undefined) throw new RefError(`${findRefs(key)[0]?.raw ?? key}: the value of a reference in a key must be a YAML mapping`, 'failed', file);
  return doc;
}

/** A provider's text answer. */
function asText(got: unknown): string {
  if (typeof got === 'string') return got;
  if (got instanceof Uint8Array) return Buffer.from(got).toString('utf8');
  return goSprint(fromPlain(got));
}

/** A provider's document answer as a tree mapping (text is parsed as YAML, JSON included, as vals does). */
async function asDocument(got: unknown): Promise<Mapping> {
  if (got instanceof Mapping) return got;
  if (typeof got === 'string' || got instanceof Uint8Array) {
    const doc = await parseDocument(typeof got === 'string' ? got : Buffer.from(got).toString('utf8'));
    if (doc === undefined) throw new RefFetchError('failed', 'the value is not a YAML or JSON mapping, so a fragment cannot select in it');
    return doc;
  }
  const v = fromPlain(got);
  if (v instanceof Mapping) return v;
  throw new RefFetchError('failed', 'the value is not a mapping, so a fragment cannot select in it');
}

/** Parses YAML/JSON text to its first document's mapping; undefined when it is not one (never echoes the text). */
async function parseDocument(text: string): Promise<Mapping | undefined> {
  const { YamlStore } = await import('../sops/stores/yaml.js');
  try {
    const docs = new YamlStore().loadPlain(Buffer.from(text, 'utf8'));
    return docs[0] ?? new Mapping();
  } catch {
    return undefined;
  }
}

/** The fragment's walk: `a/b` is key `a`, then key `b` inside it; the last step's value, whatever its type. */
function select(doc: Mapping, frag: string): Value {
  const keys = frag.split('/');
  let cur: Mapping = doc;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (!cur.has(k)) throw new RefFetchError('not-found', `no value at #/${keys.slice(0, i + 1).join('/')}`);
    const v = cur.get(k)!;
    if (i === keys.length - 1) return v;
    if (!(v instanceof Mapping)) throw new RefFetchError('not-found', `#/${keys.slice(0, i + 1).join('/')} is not a mapping, so #/${frag} cannot be in it`);
    cur = v;
  }
  return cur;
}

/** yaml.v3's order of string map keys (how vals's output is sorted): digit runs compare as numbers. */
export function yamlKeyLess(a: string, b: string): boolean {
  const ar = Array.from(a);
  const br = Array.from(b);
  const isDigit = (c: string) => /^\p{Nd}$/u.test(c);
  const isLetter = (c: string) => /^\p{L}$/u.test(c);
  let digits = false;
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const ca = ar[i];
    const cb = br[i];
    if (ca === cb) {
      digits = isDigit(ca);
      continue;
    }
    const al = isLetter(ca);
    const bl = isLetter(cb);
    if (al && bl) return ca.codePointAt(0)! < cb.codePointAt(0)!;
    if (al || bl) return digits ? al : bl;
    let an = 0n;
    let bn = 0n;
    if (ca === '0' || cb === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
        if (ar[j] !== '0') {
          an = 1n;
          bn = 1n;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < ar.length && isDigit(ar[ai]); ai++) an = an * 10n + BigInt(ar[ai].codePointAt(0)! - 48);
    let bi = i;
    for (; bi < br.length && isDigit(br[bi]); bi++) bn = bn * 10n + BigInt(br[bi].codePointAt(0)! - 48);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ca.codePointAt(0)! < cb.codePointAt(0)!;
  }
  return ar.length < br.length;
}

/** Sorts every mapping's keys as a Go map comes out of yaml.v3 (vals decodes documents into Go maps). */
function sortKeys(v: Value, less: (a: string, b: string) => boolean): Value {
  if (v instanceof Mapping) {
    const items = v.items.filter((it) => typeof it.key === 'string').map((it) => ({ key: it.key, value: sortKeys(it.value, less) }));
    items.sort((x, y) => (less(x.key as string, y.key as string) ? -1 : less(y.key as string, x.key as string) ? 1 : 0));
    return new Mapping(items);
  }
  if (Array.isArray(v)) return v.map((x) => sortKeys(x, less));
  return v;
}

const byteLess = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b)) < 0;

/** Go json.Marshal of a decoded document: compact, keys in byte order, HTML-safe. */
function goJson(v: Value): string {
  if (v instanceof Mapping) {
    const items = (sortKeys(v, byteLess) as Mapping).items;
    return `{${items.map((it) => `${goJsonScalar(it.key as string)}:${goJson(it.value)}`).join(',')}}`;
  }
  if (Array.isArray(v)) return `[${v.map(goJson).join(',')}]`;
  return goJsonScalar(v);
}

/** Resolves every reference in plain JS values (objects, arrays, strings); returns new values, plain again. */
export async function evalTree(tree: unknown, opts: ResolveOptions): Promise<unknown> {
  const run = new Run(opts);
  return toPlain(await run.value(fromPlain(tree)));
}

/**
 * `vals eval` over a YAML (or JSON) stream: each non-empty document resolved and written back as vals writes it
 * (yaml.v3 at indent 2, keys sorted as a Go map's, comments gone; or one line of JSON per document), `---` between.
 */
export async function evalYaml(text: string, opts: ResolveOptions): Promise<string> {
  const { YamlStore } = await import('../sops/stores/yaml.js');
  let docs: Mapping[];
  try {
    docs = new YamlStore().loadPlain(Buffer.from(text, 'utf8'));
  } catch (err) {
    throw asSopsError(err, ExitCode.CouldNotReadInputFile, opts.file);
  }
  // vals reads a timestamp as the text it was written as (and so does helm); the store would give its canonical time.
  if (hasTimestamp(docs)) docs = loadKeepingTimestamps(text);
  // vals skips documents with nothing in them.
  docs = docs.filter((d) => d.items.some((it) => typeof it.key === 'string'));
  const run = new Run(opts);
  const resolved = await inOrder(docs.map((d) => run.mapping(d)));
  if (opts.output === 'json') return resolved.map((d) => `${goJson(d)}\n`).join('---\n');
  const sorted = resolved.map((d) => sortKeys(d, yamlKeyLess) as Mapping);
  return resolved.length === 0 ? '' : Buffer.from(new YamlStore({ indent: 2 }).emitPlain(sorted)).toString('utf8');
}

/** `vals get`: `ref` (a reference, or a string holding some) with every reference replaced by its value. */
export async function getRef(ref: string, opts: ResolveOptions): Promise<string> {
  try {
    return await new Run(opts).inString(ref);
  } catch (err) {
    throw err instanceof SopsError ? err : asSopsError(err, ExitCode.Generic, opts.file);
  }
}
