// The `sops` metadata block: reading it as leniently as sops 3.13 does (mapstructure, weak typing, any order)
// and writing it exactly as sops 3.13 does (every map sorted, empty lists omitted, one group flat, several as key_groups).
import type { EntrySchema, EntrySchemas, KeyEntry, KeyFields } from './keyentry.js';
import { nowRfc3339 } from '../clock.js';
import { ExitCode, SopsError } from '../errors.js';
import { parseGoBool, rfc3339Seconds } from './goparse.js';
import { formatFloatF } from './gofmt.js';
import { DEFAULT_UNENCRYPTED_SUFFIX, RULE_KINDS, type EncryptionRule } from './rules.js';
import { Comment, Mapping, SopsTime, cloneValue, type Branches, type Item, type Value } from './tree.js';

/** The `version` this project writes: semver and ≥ 3.3.0, or sops applies its old KMS encryption-context workaround. */
export const SOPS_COMPAT_VERSION = '3.13.2';

export const METADATA_KEY = 'sops';

export interface Metadata {
  /** One list per key group; each group's entries in sops's internal order (the order of the kinds passed in). */
  keyGroups: KeyEntry[][];
  shamirThreshold: number;
  /** As found in the file (RFC3339); written back at second precision. */
  lastModified: string;
  /** The ENC string of the MAC ('' when absent). */
  mac: string;
  /** The file's rule; parsing fills in the default `unencrypted_suffix: _unencrypted` when none is stored, as sops does. */
  rule?: EncryptionRule;
  macOnlyEncrypted: boolean;
  version: string;
  /** Top-level fields sops does not know (`attention: …` in old files). Kept for inspection; sops drops them on write. */
  extra: Item[];
}

function metaError(msg: string): SopsError {
  return new SopsError(msg, ExitCode.Generic);
}

// ---------------------------------------------------------------------------------------------
// Weakly typed decoding (mapstructure WeaklyTypedInput)

function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (v instanceof Mapping) return 'map';
  if (Array.isArray(v)) return 'list';
  return typeof v;
}

function asString(v: unknown, field: string): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString(10);
  if (typeof v === 'number') return formatFloatF(v);
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (v instanceof SopsTime) return v.text;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  throw metaError(`Invalid sops metadata: '${field}' expected a string, got a ${typeName(v)}`);
}

function asInt(v: unknown, field: string): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const s = v.trim();
    if (s === '') return 0;
    if (/^[+-]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|[0-9]+)$/.test(s)) {
      const neg = s.startsWith('-');
      const body = s.replace(/^[+-]/, '');
      // ParseInt base 0: a leading 0 means octal.
      const n = /^0[0-7]+$/.test(body) ? Number.parseInt(body, 8) : Number(body);
      return neg ? -n : n;
    }
  }
  throw metaError(`Invalid sops metadata: '${field}' expected an integer`);
}

function asBool(v: unknown, field: string): boolean {
  if (v === null || v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') {
    if (v === '') return false;
    try {
      return parseGoBool(v);
    } catch {
      /* reported below */
    }
  }
  throw metaError(`Invalid sops metadata: '${field}' expected a boolean`);
}

function asList(v: unknown, field: string): Value[] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) return (v as Value[]).filter((x) => !(x instanceof Comment));
  if (v instanceof Mapping) return [v]; // weak typing lifts a single value into a list
  throw metaError(`Invalid sops metadata: '${field}' expected a list, got a ${typeName(v)}`);
}

/** A mapping as a plain record: comments skipped, the last duplicate wins (as when decoding into a Go map). */
function record(m: Mapping): Map<string, Value> {
  const out = new Map<string, Value>();
  for (const it of m.items) if (typeof it.key === 'string') out.set(it.key, it.value);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Parsing

function parseEntry(schema: EntrySchema, v: Value, where: string): KeyEntry {
  const kind = schema.field;
  if (v !== null && !(v instanceof Mapping)) {
    throw metaError(`Invalid sops metadata: entries of '${where}' must be maps, got a ${typeName(v)}`);
  }
  const fields: KeyFields = {};
  const rec = v ? record(v) : new Map<string, Value>();
  for (const [k, val] of rec) {
    if (schema.maps?.includes(k)) {
      if (val === null) continue;
      if (!(val instanceof Mapping)) throw metaError(`Invalid sops metadata: '${k}' of a ${kind} key must be a map`);
      const map: Record<string, string | null> = {};
      for (const [ck, cv] of record(val)) map[ck] = cv === null ? null : asString(cv, `${k}.${ck}`);
      fields[k] = map;
    } else if (schema.scalar.includes(k)) {
      fields[k] = asString(val, k);
    } else {
      fields[k] = val; // unknown to sops: kept in memory, not written back
    }
  }
  for (const f of schema.scalar) if (!(f in fields)) fields[f] = '';
  if (schema.needsCreatedAt && rfc3339Seconds(fields.created_at as string) === null) {
    throw metaError(`Invalid sops metadata: created_at of a ${kind} key is not an RFC3339 time`);
  }
  return { kind, fields };
}

function parseGroup(rec: Map<string, Value>, where: string, kinds: EntrySchemas): { group: KeyEntry[]; count: number } {
  const group: KeyEntry[] = [];
  for (const schema of kinds) {
    const kind = schema.field;
    for (const e of asList(rec.get(kind), kind)) group.push(parseEntry(schema, e, where ? `${where}.${kind}` : kind));
  }
  return { group, count: group.length };
}

const KNOWN_TOP = new Set<string>([
  'key_groups',
  'shamir_threshold',
  'lastmodified',
  'mac',
  'mac_only_encrypted',
  'version',
  ...RULE_KINDS,
]);

/**
 * Reads the `sops` mapping (any field order; null, [] or missing lists; string-typed numbers and booleans).
 * `kinds` are the master-key kinds, in sops's internal order (src/keys/registry.ts entrySchemas()).
 */
export function parseMetadata(m: Mapping, kinds: EntrySchemas): Metadata {
  const rec = record(m);

  const top = parseGroup(rec, '', kinds);
  let keyGroups: KeyEntry[][];
  if (top.count > 0) {
    keyGroups = [top.group]; // top-level keys win: key_groups is then ignored, as in sops
  } else {
    const groups = asList(rec.get('key_groups'), 'key_groups');
    if (groups.length === 0) throw metaError('No keys found in file');
    keyGroups = groups.map((g, i) => {
      if (g !== null && !(g instanceof Mapping)) throw metaError('Invalid sops metadata: key_groups entries must be maps');
      return parseGroup(g ? record(g) : new Map<string, Value>(), `key_groups[${i}]`, kinds).group;
    });
  }

  const rules: EncryptionRule[] = [];
  for (const kind of RULE_KINDS) {
    const value = asString(rec.get(kind), kind);
    if (value !== '') rules.push({ kind: kind, value });
  }
  if (rules.length > 1) {
    throw metaError(
      'Cannot use more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex, unencrypted_regex, encrypted_comment_regex, or unencrypted_comment_regex in the same file',
    );
  }

  const lastModified = asString(rec.get('lastmodified'), 'lastmodified');
  if (rfc3339Seconds(lastModified) === null) {
    throw metaError('Invalid sops metadata: lastmodified is missing or not an RFC3339 time');
  }

  const extra: Item[] = m.items.filter(
    (it) => typeof it.key === 'string' && !KNOWN_TOP.has(it.key) && !kinds.some((k) => k.field === it.key),
  );

  return {
    keyGroups,
    shamirThreshold: asInt(rec.get('shamir_threshold'), 'shamir_threshold'),
    lastModified,
    mac: asString(rec.get('mac'), 'mac'),
    rule: rules[0] ?? { kind: 'unencrypted_suffix', value: DEFAULT_UNENCRYPTED_SUFFIX },
    macOnlyEncrypted: asBool(rec.get('mac_only_encrypted'), 'mac_only_encrypted'),
    version: asString(rec.get('version'), 'version'),
    extra,
  };
}

// ---------------------------------------------------------------------------------------------
// Emission

function sorted(entries: [string, Value][]): Mapping {
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return new Mapping(entries.map(([key, value]) => ({ key, value })));
}

function emitEntry(e: KeyEntry, kinds: EntrySchemas): Mapping {
  const schema = kinds.find((k) => k.field === e.kind);
  if (!schema) throw metaError(`Unknown master key kind ${e.kind}`);
  const out: [string, Value][] = [];
  for (const f of schema.scalar) {
    let v = e.fields[f] === undefined || e.fields[f] === null ? '' : String(e.fields[f]);
    if (v === '' && schema.omitEmpty?.includes(f)) continue;
    if (f === 'created_at') v = rfc3339Seconds(v) ?? v; // sops re-formats the parsed time
    out.push([f, v]);
  }
  for (const f of schema.maps ?? []) {
    const map = e.fields[f] as Record<string, string | null> | undefined | null;
    if (map && Object.keys(map).length > 0) {
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-conversion -- a spec built in code may hold a non-string
      out.push([f, sorted(Object.entries(map).map(([k, v]) => [k, v === null ? null : String(v)]))]);
    }
  }
  return sorted(out);
}

function byKind(group: KeyEntry[], kinds: EntrySchemas): Map<string, Mapping[]> {
  const out = new Map<string, Mapping[]>();
  for (const e of group) {
    const list = out.get(e.kind) ?? [];
    list.push(emitEntry(e, kinds));
    out.set(e.kind, list);
  }
  return out;
}

/**
 * The `sops` mapping exactly as sops 3.13 writes it. `extra` fields are not written (sops drops them too).
 * `kinds` as for parseMetadata.
 */
export function metadataToMapping(md: Metadata, kinds: EntrySchemas): Mapping {
  const out: [string, Value][] = [];
  if (md.keyGroups.length === 1) {
    for (const [kind, list] of byKind(md.keyGroups[0], kinds)) out.push([kind, list]);
  } else if (md.keyGroups.length > 1) {
    const groups = md.keyGroups.map((g) => {
      const lists = byKind(g, kinds);
      const entries: [string, Value][] = [];
      for (const schema of kinds) {
        const list = lists.get(schema.field);
        if (list) entries.push([schema.field, list]);
        else if (schema.alwaysInGroup) entries.push([schema.field, []]);
      }
      return sorted(entries);
    });
    out.push(['key_groups', groups]);
  }
  if (md.shamirThreshold !== 0) out.push(['shamir_threshold', BigInt(md.shamirThreshold)]);
  out.push(['lastmodified', rfc3339Seconds(md.lastModified) ?? md.lastModified]);
  out.push(['mac', md.mac]);
  if (md.rule && md.rule.value !== '') out.push([md.rule.kind, md.rule.value]);
  if (md.macOnlyEncrypted) out.push(['mac_only_encrypted', true]);
  out.push(['version', md.version]);
  return sorted(out);
}

// ---------------------------------------------------------------------------------------------
// Embedding in the tree

/**
 * Removes the metadata item (`key`, `sops` unless the store says otherwise) from every branch and returns the first branch's (sops reads only document 0's).
 * Null when the first branch has none. Two `sops` items in the first branch, or a non-map one, are errors.
 */
export function splitMetadata(branches: Branches, key: string = METADATA_KEY): Mapping | null {
  let found: Mapping | null = null;
  branches.forEach((branch, bi) => {
    const kept: Item[] = [];
    for (const it of branch.items) {
      if (it.key !== key) {
        kept.push(it);
        continue;
      }
      if (bi === 0) {
        if (found) throw metaError(`Found duplicate ${METADATA_KEY} entry`);
        if (!(it.value instanceof Mapping)) throw metaError(`Found ${METADATA_KEY} entry that is not a mapping`);
        found = it.value;
      }
    }
    branch.items = kept;
  });
  return found;
}

/** Appends the `sops` item as the last item of every branch (sops writes it into every YAML document). */
export function attachMetadata(branches: Branches, m: Mapping, key: string = METADATA_KEY): void {
  branches.forEach((branch, bi) => {
    if (branch.has(key)) {
      throw metaError(`Found key ${JSON.stringify(key)} in encrypted data, which is a reserved key used for SOPS metadata`);
    }
    branch.items.push({ key, value: bi === 0 ? m : cloneValue(m) });
  });
}

/** The current time as sops writes lastmodified: `YYYY-MM-DDTHH:MM:SSZ`, UTC. */
export function nowLastModified(): string {
  return nowRfc3339();
}
