// The contract every file format implements, and the choice of format from a name or a path.
// A store turns bytes into branches and back; it knows nothing about encryption or key services.
import type { Branches } from './tree.js';

export type StoreName = 'yaml' | 'json' | 'dotenv' | 'ini' | 'binary';

export interface StoreOptions {
  /** Indentation: YAML spaces (2..9, default 4); JSON spaces (default: one tab). */
  indent?: number;
}

/**
 * Encrypted files carry the metadata as a top-level item named `sops` in the first branch
 * (YAML and JSON verbatim; dotenv's `sops_*` keys and INI's `[sops]` section are unflattened
 * into such an item by the store on load, and flattened back on emit). On emit, every branch
 * passed in that carries a `sops` item gets it written the store's way.
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
