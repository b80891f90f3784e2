// Values as the resolver holds them (the YAML store's tree) and the two ways out: Go's %v (how vals writes a value
// into a longer string) and plain JS. Shared by the resolver and the providers that turn answers into text.
import { formatFloatG } from '../sops/gofmt.js';
import { Comment, Mapping, SopsTime, type Value } from '../sops/tree.js';

/** Go's %v of a decoded YAML value (how vals writes a value into a longer string). */
export function goSprint(v: Value): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return formatFloatG(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v === null) return '<nil>';
  if (v instanceof SopsTime) return v.text;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (v instanceof Comment) return '';
  if (Array.isArray(v)) return `[${v.filter((x) => !(x instanceof Comment)).map(goSprint).join(' ')}]`;
  const items = v.items.filter((it): it is { key: string; value: Value } => typeof it.key === 'string');
  items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return `map[${items.map((it) => `${it.key}:${goSprint(it.value)}`).join(' ')}]`;
}

/** Plain JS (objects, arrays, scalars) to tree form. */
export function fromPlain(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : v;
  if (v instanceof Mapping || v instanceof SopsTime || v instanceof Uint8Array) return v;
  if (v instanceof Date) return new SopsTime(v.toISOString());
  if (Array.isArray(v)) return v.map(fromPlain);
  if (typeof v === 'object') return new Mapping(Object.keys(v).map((k) => ({ key: k, value: fromPlain((v as Record<string, unknown>)[k]) })));
  return String(v);
}

/** Tree form to plain JS: mappings become objects (own properties only, `__proto__` included as data). */
export function toPlain(v: Value): unknown {
  if (v instanceof Mapping) {
    const out: Record<string, unknown> = {};
    for (const it of v.items) {
      if (typeof it.key !== 'string') continue;
      Object.defineProperty(out, it.key, { value: toPlain(it.value), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  if (Array.isArray(v)) return v.filter((x) => !(x instanceof Comment)).map(toPlain);
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  if (v instanceof SopsTime) return v.text;
  return v;
}

