// The contract every file format implements, and the choice of format from a name or a path.
// A store turns bytes into branches and back; it knows nothing about encryption or key services.
import type { Branches, Mapping } from './tree.js';

export type StoreName = 'yaml' | 'json' | 'dotenv' | 'ini' | 'binary';

export interface StoreOptions {
  /** Indentation: YAML spaces (2..9, default 4); JSON spaces (default: one tab). */
  indent?: number;
}

/**
 * Encrypted files carry the metadata as a top-level item of the first branch named `metadataKeyOf(store)`
 * (YAML and JSON: `sops` verbatim; INI's `[sops]` section and dotenv's `sops_*` keys are unflattened
 * into such an item by the store on load, and flattened back on emit). On emit, every branch
 * passed in that carries that item gets it written the store's way.
 * Errors are thrown as SopsError without the file name (the caller adds it) and never quote values.
 */
export interface Store {
  readonly name: StoreName;
  /** Parses a plaintext file (binary store: the raw bytes become the single leaf `data`). */
  loadPlain(bytes: Uint8Array): Branches;
  /** Parses an encrypted file; the result includes the `sops` item (binary store: a JSON wrapper). */
  loadEncrypted(bytes: Uint8Array): Branches;
  /** Serialises a plaintext tree (binary store: the raw bytes of `data`). */
  emitPlain(branches: Branches): Uint8Array;
  /** Serialises an encrypted tree including its `sops` item. */
  emitEncrypted(branches: Branches): Uint8Array;
  /** Serialises one value for `--extract` of a subtree (a string leaf is written raw by the caller). */
  emitValue(value: unknown): Uint8Array;
}

/** Format by explicit type, else by extension, as sops does: unknown means binary. */
export function storeNameFor(path: string | undefined, explicit?: string): StoreName {
  if (explicit) {
    switch (explicit) {
      case 'yaml':
      case 'json':
      case 'dotenv':
      case 'ini':
      case 'binary':
        return explicit;
      default:
        return 'binary';
    }
  }
  const p = (path ?? '').toLowerCase();
  if (p.endsWith('.yaml') || p.endsWith('.yml')) return 'yaml';
  if (p.endsWith('.json')) return 'json';
  if (p.endsWith('.env')) return 'dotenv';
  if (p.endsWith('.ini')) return 'ini';
  return 'binary';
}

/**
 * The store an encrypted file was written by, judged from its bytes alone (a helm values file or a git blob whose
 * name says nothing): the one place that decides it. A `sops:` line is YAML; a document starting with `{` is JSON,
 * unless it is exactly the binary store's wrapper `{"data": "<string>", "sops": {...}}` (so an encrypted empty
 * JSON object, `{"sops": {...}}`, is JSON); `sops_mac=`/`sops_version=` lines are dotenv; a `[sops]` section is
 * INI. Undefined when none of these fits.
 */
export function storeOfContent(bytes: Uint8Array): StoreName | undefined {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (/^sops:[ \t]*(#.*)?\r?$/m.test(text)) return 'yaml';
  if (/^\s*\{/.test(text)) {
    try {
      const doc = JSON.parse(text) as Record<string, unknown>;
      const keys = Object.keys(doc).sort();
      if (keys.length === 2 && keys[0] === 'data' && keys[1] === 'sops' && typeof doc.data === 'string') return 'binary';
    } catch {
      /* not JSON after all: the JSON store will say why */
    }
    return 'json';
  }
  if (/^sops_(mac|version)=/m.test(text)) return 'dotenv';
  if (/^\[sops\][ \t]*\r?$/m.test(text)) return 'ini';
  return undefined;
}

/**
 * dotenv's tree carries its metadata under a key that no dotenv line can produce (a line's key never holds `=` or a
 * newline): in sops only the `sops_*` keys are metadata there, so a variable named `sops` is data like any other.
 */
const DOTENV_METADATA_KEY = '\n=sops';

/** The top-level item of the first branch that holds the metadata in `name`'s trees. */
export function metadataKeyOf(name: StoreName): string {
  return name === 'dotenv' ? DOTENV_METADATA_KEY : 'sops';
}

/**
 * The key of `branch` (the first document) that `name` reserves for metadata, if any: sops's HasSopsTopLevelKey of
 * the store that will write the file, which refuses `sops` everywhere but dotenv, and `sops_*` in dotenv.
 */
export function reservedKeyIn(name: StoreName, branch: Mapping | undefined): string | undefined {
  for (const it of branch?.items ?? []) {
    if (typeof it.key !== 'string') continue;
    if (name === 'dotenv' ? it.key.startsWith('sops_') : it.key === 'sops') return it.key;
  }
  return undefined;
}
