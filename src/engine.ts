// The SOPS engine at file level: bytes in, bytes out, keys resolved. Commands and the helm wrapper call
// only this module; it ties the pure format (src/sops), the key kinds (src/keys) and the config together.
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { ExitCode, SopsError, asSopsError } from './errors.js';
import { metadataKeyOf, reservedKeyIn, storeNameFor, type Store, type StoreName } from './sops/store.js';
import { getStore } from './sops/stores/index.js';
import { Mapping, type Branches, type Value } from './sops/tree.js';
import {
  attachMetadata,
  metadataToMapping,
  nowLastModified,
  parseMetadata,
  splitMetadata,
  SOPS_COMPAT_VERSION,
  type Metadata,
} from './sops/metadata.js';
import { encryptMac, verifyMac } from './sops/mac.js';
import { decryptBranches, encryptBranches } from './sops/walk.js';
import { IvStash } from './sops/cipher.js';
import { DEFAULT_UNENCRYPTED_SUFFIX, type EncryptionRule } from './sops/rules.js';
import { getPath, parseTreePath } from './sops/treepath.js';
import type { KeyContext, KeySpec } from './keys/types.js';
import { entrySchemas } from './keys/registry.js';
import type { KeyFlags } from './config/keyspecs.js';

export interface CommonOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  inputType?: string;
  outputType?: string;
  /** Skip the MAC check (values are still authenticated by GCM). The caller warns. */
  ignoreMac?: boolean;
  /** Output indentation (YAML spaces, JSON spaces); else .sops.yaml `stores`, else the store default. */
  indent?: number;
  /** Explicit .sops.yaml (--config); else SOPS_CONFIG; else found upward from the file's directory. */
  configPath?: string;
  /** Receives non-fatal warnings (comment that did not decrypt, ignored MAC). */
  warn?: (msg: string) => void;
  /** Key-service timeout per call (ms) and attempts. */
  keyTimeoutMs?: number;
  keyAttempts?: number;
}

export interface OpenOptions extends CommonOptions {
  /**
   * Record every leaf's IV so unchanged values re-encrypt identically (edit, set, merge). Default true;
   * decrypt-only callers pass false: the stash costs time and keeps every plaintext alive.
   */
  stash?: boolean;
}

/** Encryption settings given on the command line; each overrides the creation rule (as in sops). */
export interface EncryptFlags extends KeyFlags {
  rule?: EncryptionRule;
  macOnlyEncrypted?: boolean;
  shamirThreshold?: number;
}

export interface OpenedFile {
  path: string;
  store: Store;
  /** Decrypted branches, without the `sops` item. */
  branches: Branches;
  metadata: Metadata;
  dataKey: Uint8Array;
  /** IVs of every decrypted value, so re-encrypting unchanged values reproduces their ciphertext. */
  stash: IvStash;
}

/** The key services' context; SOPS_DECRYPTION_ORDER is read in one place, by the data-key recovery (keys/datakey.ts). */
function keyContext(opts: CommonOptions): KeyContext {
  const env = opts.env ?? process.env;
  return { env, timeoutMs: opts.keyTimeoutMs, attempts: opts.keyAttempts };
}

/** Cheap check for sops metadata, without parsing: used to decide whether a helm values file needs decrypting. */
export function isSopsEncrypted(bytes: Uint8Array, _path?: string): boolean {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (/^sops:[ \t]*(#.*)?\r?$/m.test(text) && /^[ \t]+(mac|version):/m.test(text)) return true;
  if (/"sops"\s*:\s*\{/.test(text) && /"(mac|version)"\s*:/.test(text)) return true;
  if (/^sops_(mac|version)=/m.test(text)) return true;
  if (/^\[sops\][ \t]*\r?$/m.test(text) && /^(mac|version)\s*=/m.test(text)) return true;
  return false;
}

async function storeIndent(opts: CommonOptions, name: StoreName, path: string): Promise<number | undefined> {
  if (opts.indent !== undefined) return opts.indent;
  if (name !== 'yaml' && name !== 'json' && name !== 'binary') return undefined;
  const { configFor, loadConfig } = await import('./config/config.js');
  const env = opts.env ?? process.env;
  const cfgPath = configFor(path, opts.cwd ?? process.cwd(), env, opts.configPath);
  if (!cfgPath) return undefined;
  try {
    const cfg = loadConfig(cfgPath);
    const stores = cfg.stores ?? {};
    if (name === 'yaml') return stores.yaml?.indent;
    if (name === 'json') return stores.json?.indent;
    return stores.json_binary?.indent;
  } catch (err) {
    throw asSopsError(err, ExitCode.ErrorReadingConfig, cfgPath);
  }
}

async function storeFor(opts: CommonOptions, path: string, explicit: string | undefined): Promise<Store> {
  const name = storeNameFor(path, explicit);
  return getStore(name, { indent: await storeIndent(opts, name, path) });
}

/** The store that writes the result: `--output-type`'s when it names another format than `input`'s, else `input`. */
export async function outputStoreFor(opts: CommonOptions, path: string, input: Store): Promise<Store> {
  return opts.outputType && storeNameFor(path, opts.outputType) !== input.name ? storeFor(opts, path, opts.outputType) : input;
}

/** What keeps a plain tree from being encrypted: no document at all, or a first-document key the store reserves. */
export type SealProblem = { kind: 'no-document' } | { kind: 'reserved'; key: string };

/**
 * Whether store `name` can encrypt `branches`, decided in one place for encrypt, edit and set (each words the
 * answer as sops does for that command). As sops: the store that writes the file decides which first-document keys
 * the metadata takes (`sops` everywhere but dotenv, `sops_*` there).
 */
export function sealProblem(name: StoreName, branches: Branches): SealProblem | undefined {
  if (branches.length === 0) return { kind: 'no-document' };
  const key = reservedKeyIn(name, branches[0]);
  return key === undefined ? undefined : { kind: 'reserved', key };
}

/** A file's `sops` block, read with every key kind the registry knows (commands that inspect metadata use this). */
export function readMetadata(m: Mapping): Metadata {
  return parseMetadata(m, entrySchemas());
}

/** The `sops` block for `md`, as sops writes it, with every key kind the registry knows. */
export function metadataMapping(md: Metadata): Mapping {
  return metadataToMapping(md, entrySchemas());
}

/** Parses, recovers the data key, decrypts and verifies the MAC. Every error names `path`. */
export async function openEncrypted(bytes: Uint8Array, path: string, opts: OpenOptions = {}): Promise<OpenedFile> {
  try {
    const store = await storeFor(opts, path, opts.inputType);
    let branches: Branches;
    try {
      branches = store.loadEncrypted(bytes);
    } catch (err) {
      throw asSopsError(err, ExitCode.CouldNotReadInputFile);
    }
    const metaMapping = splitMetadata(branches, metadataKeyOf(store.name));
    if (!metaMapping) throw new SopsError('sops metadata not found: the file is not encrypted', ExitCode.Generic);
    const metadata = readMetadata(metaMapping);
    const ctx = keyContext(opts);
    const { recoverDataKey } = await import('./keys/datakey.js');
    const dataKey = await recoverDataKey(metadata.keyGroups, metadata.shamirThreshold, ctx);
    const stash = new IvStash();
    const rule = store.name === 'binary' ? null : metadata.rule;
    const { mac, warnings } = decryptBranches(branches, {
      dataKey,
      rule,
      macOnlyEncrypted: metadata.macOnlyEncrypted,
      stash: opts.stash === false ? undefined : stash,
    });
    for (const w of warnings) opts.warn?.(`${path}: ${w}`);
    if (opts.ignoreMac) opts.warn?.(`${path}: MAC not checked (--ignore-mac): the file may have been tampered with`);
    verifyMac(mac, metadata.mac, dataKey, metadata.lastModified, !!opts.ignoreMac);
    return { path, store, branches, metadata, dataKey, stash };
  } catch (err) {
    throw asSopsError(err, ExitCode.Generic, path);
  }
}

function extractValue(store: Store, branches: Branches, extract: string): Uint8Array {
  const steps = parseTreePath(extract);
  const v: Value = getPath(branches[0] ?? new Mapping(), steps);
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (v instanceof Uint8Array) return v;
  // As sops: a mapping is written as a whole file of the output format (its newline, INI's sections), the rest as a value.
  if (v instanceof Mapping) return store.emitPlain([v]);
  return store.emitValue(v);
}

export interface DecryptOptions extends CommonOptions {
  /** --extract '["a"]["b"]': a string leaf is written raw, a subtree in the output format. */
  extract?: string;
}

/** Decrypts encrypted bytes to plaintext bytes in the output format (default: the input format). */
export async function decryptBytes(bytes: Uint8Array, path: string, opts: DecryptOptions = {}): Promise<Uint8Array> {
  const opened = await openEncrypted(bytes, path, { ...opts, stash: false });
  try {
    const out = await outputStoreFor(opts, path, opened.store);
    if (opts.extract) return extractValue(out, opened.branches, opts.extract);
    return out.emitPlain(opened.branches);
  } catch (err) {
    throw asSopsError(err, ExitCode.ErrorDumpingTree, path);
  }
}

/** Encrypts plaintext bytes for the keys from flags or the creation rule; returns the encrypted file's bytes. */
export async function encryptBytes(bytes: Uint8Array, path: string, opts: CommonOptions & { flags?: EncryptFlags } = {}): Promise<Uint8Array> {
  try {
    const env = opts.env ?? process.env;
    const store = await storeFor(opts, path, opts.inputType);
    let branches: Branches;
    try {
      branches = store.loadPlain(bytes);
    } catch (err) {
      throw asSopsError(err, ExitCode.CouldNotReadInputFile);
    }
    if (sealProblem(store.name, branches)?.kind === 'no-document') {
      throw new SopsError('the file has no document to encrypt', ExitCode.NeedAtLeastOneDocument);
    }
    const out = await outputStoreFor(opts, path, store);
    const problem = sealProblem(out.name, branches);
    if (problem?.kind === 'reserved') {
      throw new SopsError(
        `file already encrypted: it has a top-level '${problem.key}' entry, which ${out.name} files reserve for SOPS metadata`,
        ExitCode.FileAlreadyEncrypted,
      );
    }
    const { resolveEncryptionSettings } = await import('./config/config.js');
    const flags = opts.flags ?? {};
    const settings = resolveEncryptionSettings({
      filePath: resolve(opts.cwd ?? process.cwd(), path),
      cwd: opts.cwd ?? process.cwd(),
      env,
      configPath: opts.configPath,
      flags,
    });
    return await encryptTree(branches, out, {
      keyGroups: settings.keyGroups,
      shamirThreshold: flags.shamirThreshold ?? settings.shamirThreshold,
      rule: out.name === 'binary' || store.name === 'binary' ? undefined : settings.rule,
      // sops clears it for a single-value input store (binary): its one value is always encrypted anyway.
      macOnlyEncrypted: store.name === 'binary' ? false : settings.macOnlyEncrypted,
      ctx: keyContext(opts),
    });
  } catch (err) {
    throw asSopsError(err, ExitCode.ErrorEncryptingTree, path);
  }
}

export interface NewFileSettings {
  keyGroups: KeySpec[][];
  shamirThreshold?: number;
  rule?: EncryptionRule;
  macOnlyEncrypted?: boolean;
  ctx: KeyContext;
}

/** Encrypts plain branches under a fresh data key (consumes `branches`). */
export async function encryptTree(branches: Branches, store: Store, s: NewFileSettings): Promise<Uint8Array> {
  const { wrapDataKey } = await import('./keys/datakey.js');
  const dataKey = randomBytes(32);
  const wrapped = await wrapDataKey(dataKey, s.keyGroups, s.shamirThreshold, s.ctx);
  const metadata: Metadata = {
    keyGroups: wrapped.keyGroups,
    shamirThreshold: wrapped.shamirThreshold,
    lastModified: '',
    mac: '',
    // sops records the default rule explicitly, except for the binary store, which has none.
    rule: store.name === 'binary' ? undefined : (s.rule ?? { kind: 'unencrypted_suffix', value: DEFAULT_UNENCRYPTED_SUFFIX }),
    macOnlyEncrypted: !!s.macOnlyEncrypted,
    version: SOPS_COMPAT_VERSION,
    extra: [],
  };
  return sealTree(branches, store, metadata, dataKey);
}

/**
 * Encrypts plain branches with an existing data key and metadata, stamps lastmodified and the MAC, and
 * serialises. With `stash`, unchanged values keep their previous ciphertext (minimal diffs on edit).
 */
export function sealTree(branches: Branches, store: Store, metadata: Metadata, dataKey: Uint8Array, stash?: IvStash): Uint8Array {
  const rule = store.name === 'binary' ? null : metadata.rule;
  const macHex = encryptBranches(branches, { dataKey, rule, macOnlyEncrypted: metadata.macOnlyEncrypted, stash });
  metadata.lastModified = nowLastModified();
  metadata.mac = encryptMac(macHex, dataKey, metadata.lastModified);
  attachMetadata(branches, metadataMapping(metadata), metadataKeyOf(store.name));
  return store.emitEncrypted(branches);
}
