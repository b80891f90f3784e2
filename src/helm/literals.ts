// `--set`, `--set-string` and `--set-json` values through the secret backends, as helm-secrets' wrapper runs every
// such literal through its backend's decrypt_literal (`--set key=vals!ref+vault://…`, or any `ref+…` value when the
// run's backend is vals). A value that resolves to a secret never goes into helm's argv: its pair leaves the flag
// and reaches helm as `--set-file key=PRIVATE` (the delivery of src/helm/deliver.ts), so helm gets it as a string,
// as --set-file gives it. Pairs that resolve to themselves stay byte for byte; a bare `backend!` prefix is dropped.
import { HelmSecretsError, printable } from '../errors.js';
import { backendFor, splitForced } from './backends.js';
import { resolveLiteral, type ResolveContext } from './resolve.js';

const LITERAL_FLAGS = ['--set', '--set-string', '--set-json'];
/** helm flags whose separate value is a file list (never a literal to look at). */
const VALUE_FLAGS = new Set(['-f', '--values', '--set-file', '--set-literal']);

interface Pair {
  /** Offsets of the pair within the flag's value. */
  start: number;
  end: number;
  /** Empty for a segment that is not `key=value`. */
  key: string;
  value: string;
  /** A `{a,b}` list (elements are checked, never handed over). */
  list: boolean;
}

/** Splits a --set value into its pairs as helm's strvals reads it: `\` escapes, `{…}` lists keep their commas. */
export function splitPairs(value: string): Pair[] {
  const out: Pair[] = [];
  let start = 0;
  let depth = 0;
  const flush = (end: number) => {
    const text = value.slice(start, end);
    const eq = text.indexOf('=');
    if (eq > 0) {
      const v = text.slice(eq + 1);
      out.push({ start, end, key: text.slice(0, eq), value: v, list: v.startsWith('{') });
    } else out.push({ start, end, key: '', value: text, list: false });
  };
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) {
      flush(i);
      start = i + 1;
    }
  }
  flush(value.length);
  return out;
}

/** A list's elements (`{a,b\,c}` -> `a`, `b\,c`). */
function listElements(v: string): string[] {
  const inner = v.replace(/^\{/, '').replace(/\}$/, '');
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < inner.length; i++) {
    if (inner[i] === '\\') {
      cur += inner.slice(i, i + 2);
      i++;
    } else if (inner[i] === ',') {
      out.push(cur);
      cur = '';
    } else cur += inner[i];
  }
  out.push(cur);
  return out;
}

/** One literal through the backend it forces (or the run's); the value as helm-secrets would hand it on. */
async function resolveOne(raw: string, ctx: ResolveContext, what: string): Promise<{ plain: string; secret: boolean }> {
  const forced = splitForced(raw, false);
  const backend = backendFor(forced.backend, ctx.env);
  const out = await resolveLiteral(forced.rest, backend, ctx, what);
  return { plain: out, secret: out !== forced.rest };
}

/**
 * Returns helm's argv with every literal resolved: unchanged pairs kept, secrets moved to `--set-file KEY=PATH`
 * where `handOver(key, bytes)` gives the PATH (already escaped for --set-file). Throws on a failure, naming the key.
 */
export async function resolveLiterals(
  argv: readonly string[],
  ctx: ResolveContext,
  handOver: (key: string, bytes: Uint8Array) => string,
): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (VALUE_FLAGS.has(a)) {
      out.push(a, ...(i + 1 < argv.length ? [argv[++i]] : []));
      continue;
    }
    const eq = a.indexOf('=');
    const flag = eq < 0 ? a : a.slice(0, eq);
    if (!LITERAL_FLAGS.includes(flag) || (eq < 0 && i + 1 >= argv.length)) {
      out.push(a);
      continue;
    }
    const value = eq < 0 ? argv[++i] : a.slice(eq + 1);
    const kept: string[] = [];
    const files: string[] = [];
    let changed = false;
    for (const p of splitPairs(value)) {
      if (p.key === '') {
        // Not `key=value` (helm refuses it with its own message): kept as written.
        kept.push(value.slice(p.start, p.end));
        continue;
      }
      const what = `${flag} ${p.key}`;
      if (p.list) {
        for (const el of listElements(p.value)) {
          if ((await resolveOne(el, ctx, what)).plain !== el) {
            throw new HelmSecretsError(`${printable(what)}: a secret backend value inside a {…} list is not supported; set the elements one by one (${printable(p.key)}[0]=…)`);
          }
        }
        kept.push(value.slice(p.start, p.end));
        continue;
      }
      const r = await resolveOne(p.value, ctx, what);
      if (!r.secret) {
        if (r.plain !== p.value) changed = true;
        kept.push(r.plain === p.value ? value.slice(p.start, p.end) : `${p.key}=${r.plain}`);
        continue;
      }
      if (flag === '--set-json') {
        throw new HelmSecretsError(`${printable(what)}: a value resolved by a secret backend cannot be handed to helm as JSON; use --set or a values file`);
      }
      changed = true;
      files.push(`${p.key}=${handOver(p.key, Buffer.from(r.plain, 'utf8'))}`);
    }
    if (!changed) {
      out.push(...(eq < 0 ? [a, value] : [a]));
      continue;
    }
    const rest = kept;
    if (rest.length) out.push(...(eq < 0 ? [flag, rest.join(',')] : [`${flag}=${rest.join(',')}`]));
    for (const f of files) out.push('--set-file', f);
  }
  return out;
}
