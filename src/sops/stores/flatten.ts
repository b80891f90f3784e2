// The flat stores (dotenv, INI) keep the nested `sops` metadata as single-level keys: `__map_<key>` and
// `__list_<n>` path segments, the same encoding sops uses (stores/flatten.go), in both directions.
import { SopsError, ExitCode } from '../../errors.js';
import { Comment, Mapping, isComment, isMapping, type Item, type Value } from '../tree.js';
import { goCompare } from './gotext.js';

const MAP = '__map_';
const LIST = '__list_';

type Token = { map: string } | { list: number };

/** Splits a flattened key into its path, exactly like sops's tokenizer (a bad list index reads as 0). */
function tokenize(path: string): Token[] {
  const tokens: Token[] = [];
  let state: 'normal' | 'map' | 'list' = 'normal';
  let last = 0;
  let i = 0;
  const finish = (): void => {
    if (state === 'normal') tokens.push({ map: path.slice(last, i) });
    else if (state === 'map') tokens.push({ map: path.slice(last + MAP.length, i) });
    else {
      const digits = path.slice(last + LIST.length, i);
      tokens.push({ list: /^[+-]?\d+$/.test(digits) ? Number(digits) : 0 });
    }
    last = i;
  };
  while (i < path.length) {
    if (path.startsWith(MAP, i)) {
      finish();
      state = 'map';
      i += MAP.length;
    } else if (path.startsWith(LIST, i)) {
      finish();
      state = 'list';
      i += LIST.length;
    } else {
      i++;
    }
  }
  finish();
  return tokens;
}

interface Node {
  value?: { v: Value };
  keys?: Map<string, Node>;
  indices?: Map<number, Node>;
}

function bad(what: string): SopsError {
  return new SopsError(`error while unflattening sops metadata: ${what}`, ExitCode.CouldNotReadInputFile);
}

function convert(node: Node): Value {
  const kinds = Number(node.value !== undefined) + Number((node.keys?.size ?? 0) > 0) + Number((node.indices?.size ?? 0) > 0);
  if (kinds > 1) throw bad('type mismatch');
  if (node.value) return node.value.v;
  if (node.keys && node.keys.size > 0) {
    const names = [...node.keys.keys()].sort(goCompare);
    return new Mapping(names.map((k) => ({ key: k, value: convert(node.keys!.get(k)!) })));
  }
  if (node.indices && node.indices.size > 0) {
    const idx = [...node.indices.keys()];
    const min = Math.min(...idx);
    const max = Math.max(...idx);
    if (min !== 0 || max + 1 !== idx.length) throw bad('incomplete list');
    const out: Value[] = [];
    for (let k = 0; k <= max; k++) out.push(convert(node.indices.get(k)!));
    return out;
  }
  return new Mapping();
}

/** Rebuilds the nested metadata from flattened items; map keys come out sorted, as sops does. */
export function unflatten(items: Item[]): Mapping {
  const root: Node = {};
  for (const it of items) {
    if (isComment(it.key)) continue;
    let node = root;
    for (const t of tokenize(it.key)) {
      if ('map' in t) {
        node.keys ??= new Map();
        let next = node.keys.get(t.map);
        if (!next) node.keys.set(t.map, (next = {}));
        node = next;
      } else {
        node.indices ??= new Map();
        let next = node.indices.get(t.list);
        if (!next) node.indices.set(t.list, (next = {}));
        node = next;
      }
    }
    if (node.value) throw bad(`duplicate value for ${JSON.stringify(it.key)}`);
    node.value = { v: it.value };
  }
  const out = convert(root);
  if (!isMapping(out)) throw bad('cannot find root');
  return out;
}

/**
 * Flattens nested metadata depth-first. Map keys are visited in Go byte order (the order sops's metadata
 * serialisation produces), list elements in index order; comments are dropped.
 */
export function flatten(meta: Mapping, prefix: string): Item[] {
  const out: Item[] = [];
  const seen = new Set<string>();
  const descend = (v: Value, key: string): void => {
    if (isMapping(v)) {
      const named = v.items.filter((it): it is Item & { key: string } => !isComment(it.key));
      const sorted = [...named].sort((a, b) => goCompare(a.key, b.key));
      for (const it of sorted) descend(it.value, key + MAP + it.key);
      return;
    }
    if (Array.isArray(v)) {
      let i = 0;
      for (const el of v) {
        if (el instanceof Comment) continue;
        descend(el, key + LIST + i);
        i++;
      }
      return;
    }
    if (seen.has(key)) {
      throw new SopsError(`key collision ${JSON.stringify(key)} while flattening sops metadata`, ExitCode.ErrorDumpingTree);
    }
    seen.add(key);
    out.push({ key, value: v });
  };
  const top = meta.items.filter((it): it is Item & { key: string } => !isComment(it.key));
  for (const it of [...top].sort((a, b) => goCompare(a.key, b.key))) descend(it.value, prefix + it.key);
  return out;
}
