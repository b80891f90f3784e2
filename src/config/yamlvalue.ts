// Reads .sops.yaml the way Go's yaml.v3 fills sops's config structs: scalars keep their source text,
// typed fields accept what yaml.v3 accepts, and anything else is a load error naming the field.

import { scanPlainTexts } from '../sops/stores/yaml-fast.js';
import { NodeReader, type YNode } from '../sops/stores/yaml-parse.js';
import { plainTag, scalarValue } from '../sops/stores/yaml-load.js';
import { YamlSyntaxError } from '../sops/stores/yaml-scan.js';
import { Comment, Mapping, SopsTime, type Value } from '../sops/tree.js';

/** A plain scalar that YAML resolves to a number or bool, kept with its source text. */
export class ResolvedScalar {
  constructor(
    readonly source: string,
    readonly value: number | bigint | boolean,
  ) {}
}

export type YamlValue = null | string | ResolvedScalar | YamlValue[] | { [key: string]: YamlValue };

export class ShapeError extends Error {}

/** Nodes an alias may expand to in a config file before it is refused (yaml.v3 refuses excessive aliasing). */
const ALIAS_BUDGET = 100000;

/**
 * Parses the first document (yaml.v3 Unmarshal reads only that one) with the same go-yaml v3 reader as the YAML
 * store, so a config means to us what it means to sops; an empty file gives null. A config in the plain block layout
 * the YAML store's line scanner reads (most are) is read by that scanner: the full reader, run once per process for a
 * small file, costs a decryption more than the values file itself (its code runs cold). The scanner declines
 * anything it does not read exactly as the full reader does (anchors, merges, duplicate keys, flow collections, tags).
 */
export function parseYaml(text: string): YamlValue {
  const scanned = scanPlainTexts(text);
  if (scanned) {
    const texts = scanned.texts;
    let next = 0;
    let exact = true;
    // The scanner's tree as the full reader gives it: keys as written, each number, bool and time with its text
    // (the scanner lists those texts in document order, the order of this walk).
    const convert = (v: Value): YamlValue => {
      if (v instanceof Mapping) {
        const out: { [key: string]: YamlValue } = {};
        for (const it of v.items) if (!(it.key instanceof Comment)) out[it.key] = convert(it.value);
        return out;
      }
      if (Array.isArray(v)) return v.filter((x) => !(x instanceof Comment)).map(convert);
      if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return new ResolvedScalar(texts[next++] ?? '', v);
      if (v instanceof SopsTime) return texts[next++] ?? '';
      if (typeof v === 'string' || v === null) return v;
      exact = false; // bytes (the scanner declines tags, so never): the full reader says what they are
      return null;
    };
    const value = convert(scanned.tree[0]);
    if (exact && next === texts.length) return value;
  }
  return parseYamlNodes(text);
}

/** parseYaml with the full go-yaml v3 reader always (the scanner's differential test compares the two). */
export function parseYamlNodes(text: string): YamlValue {
  let doc: YNode | undefined;
  try {
    doc = new NodeReader(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, plainTag).nextDocument();
  } catch (e) {
    if (e instanceof YamlSyntaxError) throw new ShapeError(e.goMessage());
    throw e;
  }
  const root = doc?.content[0];
  if (!root) return null;
  let budget = ALIAS_BUDGET;
  const active = new Set<YNode>();
  const convert = (n: YNode, isKey: boolean): YamlValue => {
    if (--budget < 0) throw new ShapeError('yaml: document contains excessive aliasing');
    switch (n.kind) {
      case 'alias': {
        if (active.has(n)) throw new ShapeError(`yaml: anchor '${n.value}' value contains itself`);
        active.add(n);
        const v = convert(n.alias!, isKey);
        active.delete(n);
        return v;
      }
      case 'scalar': {
        if (isKey) return n.value;
        let v: unknown;
        try {
          v = scalarValue(n);
        } catch (e) {
          throw new ShapeError((e as Error).message.replace(/^Error unmarshaling input YAML: /, ''));
        }
        if (v === null) return null;
        if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return new ResolvedScalar(n.value, v);
        if (v instanceof SopsTime) return n.value;
        if (v instanceof Uint8Array) return Buffer.from(v).toString('latin1');
        return v as string;
      }
      case 'sequence':
        return n.content.map((c) => convert(c, false));
      case 'mapping': {
        const out: { [key: string]: YamlValue } = {};
        const seen = new Map<string, number>();
        const merges: YamlValue[] = [];
        for (let i = 0; i < n.content.length; i += 2) {
          const k = n.content[i];
          const target = k.kind === 'alias' ? k.alias! : k;
          if (target.kind !== 'scalar') throw new ShapeError(`line ${k.line}: a mapping key must be a scalar`);
          const name = target.value;
          if (k.kind === 'scalar' && name === '<<' && (k.tag === '!!merge' || (!k.tagged && k.style === 'plain'))) {
            merges.push(convert(n.content[i + 1], false));
            continue;
          }
          const prev = seen.get(name);
          if (prev !== undefined) throw new ShapeError(`line ${k.line}: mapping key ${JSON.stringify(name)} already defined at line ${prev}`);
          seen.set(name, k.line);
          out[name] = convert(n.content[i + 1], false);
        }
        // yaml.v3 merges: keys of the mapping win over merged ones; a list merges its maps in order, first wins.
        for (const m of merges) {
          const maps = Array.isArray(m) ? m : [m];
          for (const mm of maps) {
            if (!isMap(mm)) throw new ShapeError('yaml: map merge requires map or sequence of maps as the value');
            for (const [k, v] of Object.entries(mm)) if (!(k in out)) out[k] = v;
          }
        }
        return out;
      }
      default:
        return null;
    }
  };
  return convert(root, false);
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
