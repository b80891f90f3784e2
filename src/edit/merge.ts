// Three-way merge of decrypted trees by path (mapping keys, list positions), for the git merge driver.
// Pure: conflicts are returned as data (with their plaintext) and never written anywhere by this module.
import { Comment, Mapping, type Branches, type Value } from '../sops/tree.js';
import type { PathStep } from '../sops/treepath.js';
import { valueEquals } from './treeops.js';

/** A value both sides changed differently. `undefined` means the side deleted it (or never had it). */
export interface Conflict {
  /** Document index (YAML multi-document files); 0 for every other store. */
  doc: number;
  path: PathStep[];
  /** 'value' for a key's value, 'comments' for the comment lines just above the key (or at the end of a mapping). */
  what: 'value' | 'comments' | 'document';
  base: Value | undefined;
  ours: Value | undefined;
  theirs: Value | undefined;
}

export interface MergeResult {
  /** The merged tree; at every conflict it holds the `ours` side. */
  branches: Branches;
  conflicts: Conflict[];
}

/** Merges `ours` and `theirs` against their common ancestor `base` (empty when the file was added on both sides). */
export function mergeBranches(base: Branches, ours: Branches, theirs: Branches): MergeResult {
  const conflicts: Conflict[] = [];
  if (ours.length === theirs.length && (base.length === ours.length || base.length === 0)) {
    const branches = ours.map((o, i) => {
      const merged = mergeValue(base[i], o, theirs[i], { doc: i, path: [] }, conflicts);
      return merged instanceof Mapping ? merged : o;
    });
    return { branches, conflicts };
  }
  // The number of documents changed: only a one-sided change can be taken as a whole.
  if (branchesEq(base, ours)) return { branches: theirs, conflicts };
  if (branchesEq(base, theirs) || branchesEq(ours, theirs)) return { branches: ours, conflicts };
  conflicts.push({ doc: 0, path: [], what: 'document', base: listOf(base), ours: listOf(ours), theirs: listOf(theirs) });
  return { branches: ours, conflicts };
}

function listOf(b: Branches): Value {
  return b.length === 1 ? b[0] : [...b];
}

function branchesEq(a: Branches, b: Branches): boolean {
  return a.length === b.length && a.every((m, i) => valueEquals(m, b[i]));
}

interface Where {
  doc: number;
  path: PathStep[];
}

function mergeValue(base: Value | undefined, ours: Value | undefined, theirs: Value | undefined, at: Where, out: Conflict[]): Value | undefined {
  if (valueEquals(ours, theirs)) return ours;
  if (valueEquals(base, ours)) return theirs;
  if (valueEquals(base, theirs)) return ours;
  if (ours instanceof Mapping && theirs instanceof Mapping) {
    const merged = mergeMapping(base instanceof Mapping ? base : new Mapping(), ours, theirs, at, out);
    if (merged) return merged;
  }
  if (Array.isArray(ours) && Array.isArray(theirs) && Array.isArray(base) && base.length === ours.length && ours.length === theirs.length) {
    return ours.map((o, i) => mergeValue(base[i], o, theirs[i], { doc: at.doc, path: [...at.path, i] }, out) as Value);
  }
  out.push({ doc: at.doc, path: at.path, what: 'value', base, ours, theirs });
  return ours;
}

/** A mapping item with the comment lines that precede it: the unit keys are matched by. */
interface Entry {
  key: string;
  lead: Comment[];
  value: Value;
}

interface Split {
  entries: Map<string, Entry>;
  order: string[];
  tail: Comment[];
}

/** Null when a key repeats (the JSON store allows it): such a mapping is only merged as a whole. */
function split(m: Mapping): Split | null {
  const entries = new Map<string, Entry>();
  const order: string[] = [];
  let lead: Comment[] = [];
  for (const it of m.items) {
    if (it.key instanceof Comment) {
      lead.push(it.key);
      continue;
    }
    if (entries.has(it.key)) return null;
    entries.set(it.key, { key: it.key, lead, value: it.value });
    order.push(it.key);
    lead = [];
  }
  return { entries, order, tail: lead };
}

function mergeComments(base: Comment[] | undefined, ours: Comment[], theirs: Comment[], at: Where, out: Conflict[]): Comment[] {
  const b = base ?? [];
  if (valueEquals(ours, theirs)) return ours;
  if (valueEquals(b, ours)) return theirs;
  if (valueEquals(b, theirs)) return ours;
  out.push({ doc: at.doc, path: at.path, what: 'comments', base: base, ours, theirs });
  return ours;
}

function mergeMapping(base: Mapping, ours: Mapping, theirs: Mapping, at: Where, out: Conflict[]): Mapping | null {
  const b = split(base);
  const o = split(ours);
  const t = split(theirs);
  if (!b || !o || !t) return null;
  const result: Entry[] = [];
  const decided = new Map<string, Entry | undefined>();

  const decide = (key: string): Entry | undefined => {
    if (decided.has(key)) return decided.get(key);
    const be = b.entries.get(key);
    const oe = o.entries.get(key);
    const te = t.entries.get(key);
    const where = { doc: at.doc, path: [...at.path, key] };
    let entry: Entry | undefined;
    if (oe && te) {
      const value = mergeValue(be?.value, oe.value, te.value, where, out) as Value;
      const lead = mergeComments(be?.lead, oe.lead, te.lead, where, out);
      entry = { key, lead, value };
    } else if (oe || te) {
      // Present on one side only: added there, or deleted on the other side.
      const side = (oe ?? te)!;
      if (!be) entry = side;
      else if (valueEquals(be.value, side.value)) entry = undefined; // deleted on one side, untouched on the other
      else {
        out.push({ doc: at.doc, path: where.path, what: 'value', base: be.value, ours: oe?.value, theirs: te?.value });
        entry = oe; // keep our side: our deletion stays deleted, our change stays
      }
    }
    decided.set(key, entry);
    return entry;
  };

  for (const key of o.order) {
    const e = decide(key);
    if (e) result.push(e);
  }
  // Keys that come from their side only go right after the key that precedes them there.
  let pos = -1;
  for (const key of t.order) {
    const idx = result.findIndex((e) => e.key === key);
    if (idx >= 0) {
      pos = idx;
      continue;
    }
    if (o.entries.has(key)) continue;
    const e = decide(key);
    if (!e) continue;
    if (pos >= 0) {
      result.splice(pos + 1, 0, e);
      pos++;
    } else {
      // No predecessor: before the next key of theirs that we have, else at the end.
      const next = t.order.slice(t.order.indexOf(key) + 1).find((k) => result.some((r) => r.key === k));
      const at = next === undefined ? result.length : result.findIndex((r) => r.key === next);
      result.splice(at, 0, e);
      pos = at;
    }
  }
  const tail = mergeComments(b.tail, o.tail, t.tail, { doc: at.doc, path: at.path }, out);
  const items = result.flatMap((e) => [...e.lead.map((c) => ({ key: c, value: null as Value })), { key: e.key, value: e.value }]);
  for (const c of tail) items.push({ key: c, value: null });
  return new Mapping(items);
}
