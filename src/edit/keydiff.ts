// Master keys compared by identity (kind plus the fields that name the key, never `enc`/`created_at`),
// for updatekeys's summary, rotate's --rm-* and the merge driver's choice of key groups.
import type { KeyEntry, KeyFields, KeySpec } from '../keys/types.js';

const VOLATILE = new Set(['enc', 'created_at']);

function meaningful(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return false;
  if (typeof v === 'object' && !Array.isArray(v)) return Object.keys(v as object).length > 0;
  return true;
}

function canon(v: unknown): unknown {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])]));
  }
  return v;
}

/** The same string for a metadata entry and the spec it was wrapped for. */
export function keyIdentity(k: KeyEntry | KeySpec): string {
  const fields: KeyFields = {};
  for (const [name, v] of Object.entries(k.fields)) if (!VOLATILE.has(name) && meaningful(v)) fields[name] = v;
  return `${k.kind}/${JSON.stringify(canon(fields))}`;
}

/** A short, non-secret label: `age age1…`, `pgp FP`, `kms ARN`. */
export function keyLabel(k: KeyEntry | KeySpec): string {
  const f = k.fields as Record<string, unknown>;
  const s = (n: string) => (typeof f[n] === 'string' ? (f[n] as string) : '');
  switch (k.kind) {
    case 'age':
      return `age ${s('recipient')}`;
    case 'pgp':
      return `pgp ${s('fp')}`;
    case 'kms':
      return `kms ${s('arn')}${s('role') ? ` (role ${s('role')})` : ''}`;
    case 'gcp_kms':
      return `gcp_kms ${s('resource_id')}`;
    case 'azure_kv':
      return `azure_kv ${s('vault_url')}/keys/${s('name')}${s('version') ? `/${s('version')}` : ''}`;
    case 'hc_vault':
      return `hc_vault ${s('vault_address')}/v1/${s('engine_path')}/keys/${s('key_name')}`;
    case 'hckms':
      return `hckms ${s('key_id')}`;
    default:
      return `${k.kind} ${keyIdentity(k)}`;
  }
}

/** The spec an entry was wrapped for (drops `enc` and `created_at`). */
export function specOf(e: KeyEntry): KeySpec {
  const fields: KeyFields = {};
  for (const [name, v] of Object.entries(e.fields)) if (!VOLATILE.has(name)) fields[name] = v;
  return { kind: e.kind, fields };
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
    const y = b[i]!.map(keyIdentity).sort();
    return x.length === y.length && x.every((id, j) => id === y[j]);
  });
}
