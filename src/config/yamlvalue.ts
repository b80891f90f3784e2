// Reads .sops.yaml the way Go's yaml.v3 fills sops's config structs: scalars keep their source text,
// typed fields accept what yaml.v3 accepts, and anything else is a load error naming the field.

import { parseAllDocuments, visit } from 'yaml';

/** A plain scalar that YAML resolves to a number or bool, kept with its source text. */
export class ResolvedScalar {
  constructor(
    readonly source: string,
    readonly value: number | bigint | boolean,
  ) {}
}

export type YamlValue = null | string | ResolvedScalar | YamlValue[] | { [key: string]: YamlValue };

export class ShapeError extends Error {}

/** Parses the first document (yaml.v3 Unmarshal reads only that one); an empty file gives null. */
export function parseYaml(text: string): YamlValue {
  const docs = parseAllDocuments(text, { merge: true, uniqueKeys: true });
  if (!Array.isArray(docs)) return null; // an empty stream
  const doc = docs[0];
  if (!doc) return null;
  if (doc.errors.length > 0) throw new ShapeError(doc.errors[0]!.message.split('\n')[0]!);
  visit(doc, {
    Scalar(key, node) {
      if (key === 'key') return; // mapping keys stay plain so they remain usable as names
      const v: unknown = node.value;
      if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') {
        node.value = new ResolvedScalar(node.source ?? String(v), v);
      }
    },
  });
  return doc.toJS({ maxAliasCount: 1000 }) as YamlValue;
}

function kindOf(v: YamlValue): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return 'string';
  if (v instanceof ResolvedScalar) return typeof v.value === 'boolean' ? 'bool' : Number.isInteger(Number(v.value)) ? 'int' : 'float';
  return Array.isArray(v) ? 'list' : 'map';
}

export function isMap(v: YamlValue): v is { [key: string]: YamlValue } {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof ResolvedScalar);
}

/** A string field: any scalar gives its text, null gives "". */
export function asString(v: YamlValue | undefined, where: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (v instanceof ResolvedScalar) return v.source;
  throw new ShapeError(`${where}: expected a string, got a ${kindOf(v)}`);
}

/** An int field (shamir_threshold, indent). */
export function asInt(v: YamlValue | undefined, where: string): number {
  if (v === undefined || v === null) return 0;
  if (v instanceof ResolvedScalar && typeof v.value !== 'boolean' && Number.isSafeInteger(Number(v.value))) {
    return Number(v.value);
  }
  throw new ShapeError(`${where}: expected an integer, got ${typeof v === 'string' ? JSON.stringify(v) : `a ${kindOf(v)}`}`);
}

// yaml.v3 accepts YAML 1.1 spellings when the target field is a bool.
const TRUE_WORDS = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON']);
const FALSE_WORDS = new Set(['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF']);

export function asBool(v: YamlValue | undefined, where: string): boolean {
  if (v === undefined || v === null) return false;
  if (v instanceof ResolvedScalar && typeof v.value === 'boolean') return v.value;
  if (typeof v === 'string' && TRUE_WORDS.has(v)) return true;
  if (typeof v === 'string' && FALSE_WORDS.has(v)) return false;
  throw new ShapeError(`${where}: expected a boolean, got ${typeof v === 'string' ? JSON.stringify(v) : `a ${kindOf(v)}`}`);
}

/** A list-of-strings field: null gives [], scalars inside give their text, a bare scalar is an error. */
export function asStringList(v: YamlValue | undefined, where: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ShapeError(`${where}: expected a list, got a ${kindOf(v)}`);
  return v.map((item, i) => asString(item, `${where}[${i}]`));
}

/** A list field whose items are maps (or null, which yaml.v3 leaves as a zero struct). */
export function asMapList(v: YamlValue | undefined, where: string): Array<{ [key: string]: YamlValue }> {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ShapeError(`${where}: expected a list, got a ${kindOf(v)}`);
  return v.map((item, i) => {
    if (item === null) return {};
    if (!isMap(item)) throw new ShapeError(`${where}[${i}]: expected a mapping, got a ${kindOf(item)}`);
    return item;
  });
}

export function asMap(v: YamlValue | undefined, where: string): { [key: string]: YamlValue } {
  if (v === undefined || v === null) return {};
  if (!isMap(v)) throw new ShapeError(`${where}: expected a mapping, got a ${kindOf(v)}`);
  return v;
}

/**
 * A key field that sops reads as "a comma-separated string or a list of strings"
 * (kms, age, pgp, gcp_kms, azure_keyvault, hc_vault_transit_uri at rule level).
 */
export function asKeyField(v: YamlValue | undefined, where: string): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') {
    return v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  }
  if (Array.isArray(v)) {
    return v.map((item, i) => {
      if (typeof item !== 'string') throw new ShapeError(`invalid ${where} key configuration: expected string in list at ${i}, got ${kindOf(item)}`);
      return item;
    });
  }
  throw new ShapeError(`invalid ${where} key configuration: expected a string or a list of strings, got ${kindOf(v)}`);
}
