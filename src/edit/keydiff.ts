// Key groups compared by key identity (src/sops/keyentry.ts keyIdentity: kind plus the fields that name the key,
// never `enc`/`created_at`), for updatekeys's summary, rotate's --rm-* and the merge driver's choice of key groups.
import type { KeyEntry, KeySpec } from '../keys/types.js';
import { keyIdentity, withoutWrap } from '../sops/keyentry.js';

/** The spec an entry was wrapped for (drops `enc` and `created_at`). */
export function specOf(e: KeyEntry): KeySpec {
  return { kind: e.kind, fields: withoutWrap(e.fields) };
}

export interface GroupDiff {
  added: KeySpec[];
  removed: KeyEntry[];
  kept: KeyEntry[];
}

/** Per group index: what the new groups add and remove compared with the file's. */
export function diffKeyGroups(current: KeyEntry[][], wanted: KeySpec[][]): GroupDiff[] {
  const n = Math.max(current.length, wanted.length);
  const out: GroupDiff[] = [];
  for (let i = 0; i < n; i++) {
    const cur = current[i] ?? [];
    const want = wanted[i] ?? [];
    const wantIds = new Set(want.map(keyIdentity));
    const curIds = new Set(cur.map(keyIdentity));
    out.push({
      added: want.filter((s) => !curIds.has(keyIdentity(s))),
      removed: cur.filter((e) => !wantIds.has(keyIdentity(e))),
      kept: cur.filter((e) => wantIds.has(keyIdentity(e))),
    });
  }
  return out;
}

/** Same keys in the same groups (order inside a group ignored). */
export function sameKeyGroups(a: Array<Array<KeyEntry | KeySpec>>, b: Array<Array<KeyEntry | KeySpec>>): boolean {
  if (a.length !== b.length) return false;
  return a.every((g, i) => {
    const x = g.map(keyIdentity).sort();
    const y = b[i].map(keyIdentity).sort();
    return x.length === y.length && x.every((id, j) => id === y[j]);
  });
}
