// .sops.yaml: where it is found, what it holds, which creation rule a file gets, and how flags,
// environment variables and the rule combine into the key groups and encryption rule sops would use.

import { statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { ExitCode, SopsError } from '../errors.js';
import { readInputSync } from '../io.js';
import { configMemoized } from './memo.js';
import { keyFlags, kindsInRuleOrder } from '../keys/registry.js';
import type { KeySpec, KindDescriptor, SpecContext } from '../keys/types.js';
import { RULE_KINDS, type EncryptionRule } from '../sops/rules.js';
import { dedupeGroup, keySpecsFromFlags, parseEncryptionContext, type KeyFlags } from './keyspecs.js';
import { goRegex } from '../sops/goregex.js';
import {
  ShapeError,
  asBool,
  asInt,
  asKeyField,
  asMap,
  asMapList,
  asString,
  asStringList,
  isMap,
  parseYaml,
  type YamlValue,
} from './yamlvalue.js';

export { keySpecsFromFlags, type KeyFlags } from './keyspecs.js';

export const CONFIG_FILE_NAME = '.sops.yaml';
const IGNORED_CONFIG_NAME = '.sops.yml';
const MAX_DEPTH = 100;

/** Output indentation per store; absent means the store's default (yaml 4, json and json_binary -1 = tab). */
export interface StoresConfig {
  yaml?: { indent?: number };
  json?: { indent?: number };
  json_binary?: { indent?: number };
}

/** A creation rule as written, checked for shape; its keys are interpreted when the rule is chosen. */
export interface RawCreationRule {
  pathRegex: string;
  fields: { [key: string]: YamlValue };
}

export interface SopsConfig {
  /** Undefined when the file has no `creation_rules` (sops then behaves as if there were no config). */
  creationRules?: RawCreationRule[];
  /** Kept for `sops publish` compatibility; not interpreted. */
  destinationRules?: YamlValue[];
  stores: StoresConfig;
}

export interface CreationRule {
  keyGroups: KeySpec[][];
  shamirThreshold?: number;
  rule?: EncryptionRule;
  macOnlyEncrypted?: boolean;
  awsProfile?: string;
}

export interface ConfigLookup {
  path?: string;
  /** Set when a `.sops.yml` was seen: sops ignores it and says so. */
  warning?: string;
}

// Within one run of the CLI (the entry point says so: memo.ts memoizeConfig) the .sops.yaml files do not change under us, so
// a helm command with many values files, or an encrypt that asks twice, finds and parses each one once: lookups by
// start directory, parsed files by path, never invalidated. Keyed by the resolved path, not the real one: the search
// walks the directory's own parents, so two spellings of a directory through a symbolic link may find different
// files. In-process callers (the tests, a host that lives longer than one run) leave it off.
let kept: { lookups: Map<string, ConfigLookup>; configs: Map<string, SopsConfig> } | undefined;

function memo(): typeof kept {
  if (!kept && configMemoized()) kept = { lookups: new Map(), configs: new Map() };
  return kept;
}

/**
 * Finds the config file: SOPS_CONFIG if set (resolved against startDir), else `.sops.yaml` in startDir
 * (the CWD, as sops searches) or its parents, up to 100 levels. `.sops.yml` is never used.
 */
export function findConfigWithWarnings(startDir: string, env: NodeJS.ProcessEnv): ConfigLookup {
  if (env.SOPS_CONFIG) return { path: resolve(startDir, env.SOPS_CONFIG) };
  const start = resolve(startDir);
  const known = memo()?.lookups.get(start);
  if (known) return known;
  const found = searchUpward(start);
  memo()?.lookups.set(start, found);
  return found;
}

function searchUpward(start: string): ConfigLookup {
  let dir = start;
  let ignored: string | undefined;
  for (let i = 0; i < MAX_DEPTH; i++) {
    const candidate = join(dir, CONFIG_FILE_NAME);
    if (exists(candidate)) {
      const warning = ignored
        ? `ignoring "${ignored}" when searching for config file; the config file must be called "${CONFIG_FILE_NAME}"; using "${candidate}" instead`
        : undefined;
      return { path: candidate, warning };
    }
    if (!ignored && exists(join(dir, IGNORED_CONFIG_NAME))) ignored = join(dir, IGNORED_CONFIG_NAME);
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return {
    warning: ignored
      ? `ignoring "${ignored}" when searching for config file; the config file must be called "${CONFIG_FILE_NAME}"`
      : undefined,
  };
}

export function findConfig(startDir: string, env: NodeJS.ProcessEnv): string | undefined {
  return findConfigWithWarnings(startDir, env).path;
}

/**
 * The one place that decides which config applies to a file: --config, else SOPS_CONFIG (both relative to the
 * CWD), else the `.sops.yaml` nearest the file: searched upward from the file's own directory, as helm-secrets
 * runs sops there. So `helm secrets encrypt charts/a/secrets.yaml` from anywhere uses charts/a's rules.
 */
export function configLookupFor(filePath: string, cwd: string, env: NodeJS.ProcessEnv, configPath?: string): ConfigLookup {
  if (configPath) return { path: resolve(cwd, configPath) };
  if (env.SOPS_CONFIG) return { path: resolve(cwd, env.SOPS_CONFIG) };
  return findConfigWithWarnings(dirname(resolve(cwd, filePath)), env);
}

/** The config file that applies to `filePath` (see configLookupFor), or undefined. */
export function configFor(filePath: string, cwd: string, env: NodeJS.ProcessEnv, configPath?: string): string | undefined {
  return configLookupFor(filePath, cwd, env, configPath).path;
}

// Without an exception for the usual answer (no such file): building one costs ~0.1 ms, and a helm command with
// many values files asks for every directory up to the root, per file.
function exists(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false;
  }
}

/** sops reports every config problem with its generic exit code. */
function configError(message: string, configPath: string): SopsError {
  return new SopsError(`error loading config: ${message}`, ExitCode.Generic, configPath);
}

/** Reads and checks a config file; keys inside rules are parsed later, when a rule is chosen (as sops does). */
export function loadConfig(path: string): SopsConfig {
  const key = resolve(path);
  const known = memo()?.configs.get(key);
  if (known) return known;
  const config = readConfig(path);
  memo()?.configs.set(key, config);
  return config;
}

function readConfig(path: string): SopsConfig {
  let text: string;
  try {
    text = readInputSync(path).toString('utf8');
  } catch (err) {
    const why = err instanceof SopsError ? err.message : ((err as NodeJS.ErrnoException).code ?? (err as Error).message);
    throw new SopsError(`could not read config file: ${why}`, ExitCode.Generic, path);
  }
  try {
    return parseConfig(text);
  } catch (err) {
    if (err instanceof ShapeError) throw configError(`could not unmarshal config file: ${err.message}`, path);
    throw err;
  }
}

/** Parses config text (exported for tests and for callers that already hold the bytes). */
export function parseConfig(text: string): SopsConfig {
  const top = parseYaml(text);
  if (top !== null && !isMap(top)) throw new ShapeError('the top level must be a mapping');
  const root = top ?? {};
  const config: SopsConfig = { stores: parseStores(asMap(root.stores, 'stores')) };
  if (root.creation_rules !== undefined && root.creation_rules !== null) {
    config.creationRules = asMapList(root.creation_rules, 'creation_rules').map((r, i) => checkRule(r, `creation_rules[${i}]`));
  }
  if (root.destination_rules !== undefined && root.destination_rules !== null) {
    config.destinationRules = asMapList(root.destination_rules, 'destination_rules');
  }
  return config;
}

function parseStores(stores: { [key: string]: YamlValue }): StoresConfig {
  const out: StoresConfig = {};
  for (const name of ['yaml', 'json', 'json_binary'] as const) {
    const store = asMap(stores[name], `stores.${name}`);
    if (store.indent !== undefined && store.indent !== null) out[name] = { indent: asInt(store.indent, `stores.${name}.indent`) };
  }
  return out;
}

/** A rule field of `kind` (one group, no key_groups): its key strings. */
function ruleStrings(kind: KindDescriptor, r: { [key: string]: YamlValue }, where: string): string[] {
  const f = kind.rule.field;
  if (!kind.rule.listOnly) return asKeyField(r[f], f);
  return asStringList(r[f], where ? `${where}.${f}` : f)
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Checks a rule's field types now, so a malformed file fails on load like yaml.v3 Unmarshal does. */
function checkRule(r: { [key: string]: YamlValue }, where: string): RawCreationRule {
  for (const kind of kindsInRuleOrder()) ruleStrings(kind, r, where);
  asString(r.aws_profile, `${where}.aws_profile`);
  asInt(r.shamir_threshold, `${where}.shamir_threshold`);
  asBool(r.mac_only_encrypted, `${where}.mac_only_encrypted`);
  for (const k of RULE_KINDS) asString(r[k], `${where}.${k}`);
  asMapList(r.key_groups, `${where}.key_groups`).forEach((g, i) => { checkGroup(g, `${where}.key_groups[${i}]`); });
  return { pathRegex: asString(r.path_regex, `${where}.path_regex`), fields: r };
}

/** The entries of `kind` in a key_groups entry, read as strings or as objects (`where` prefixes messages). */
function groupEntries(kind: KindDescriptor, g: { [key: string]: YamlValue }, where: string): Array<string | Record<string, string | Record<string, string>>> {
  const f = kind.rule.groupField;
  const at = where ? `${where}.${f}` : f;
  const syntax = kind.rule.groupEntries;
  if (syntax.strings) return asStringList(g[f], at);
  return asMapList(g[f], at).map((k) => {
    const o: Record<string, string | Record<string, string>> = {};
    for (const m of syntax.maps ?? []) {
      const map: Record<string, string> = {};
      for (const [name, v] of Object.entries(asMap(k[m], where ? `${at}.${m}` : m))) map[name] = asString(v, where ? `${at}.${m}.${name}` : name);
      o[m] = map;
    }
    for (const name of syntax.fields) o[name] = asString(k[name], where ? `${at}.${name}` : name);
    return o;
  });
}

function checkGroup(g: { [key: string]: YamlValue }, where: string): void {
  asMapList(g.merge, `${where}.merge`).forEach((m, i) => { checkGroup(m, `${where}.merge[${i}]`); });
  for (const kind of kindsInRuleOrder()) groupEntries(kind, g, where);
}

/** The keys of one key_groups entry: merged groups first, then each kind in sops's rule order; duplicates dropped. */
function groupSpecs(g: { [key: string]: YamlValue }): KeySpec[] {
  const out: KeySpec[] = [];
  for (const m of asMapList(g.merge, 'merge')) out.push(...groupSpecs(m));
  const ctx: SpecContext = { awsProfile: '' };
  for (const kind of kindsInRuleOrder()) {
    const syntax = kind.rule.groupEntries;
    for (const e of groupEntries(kind, g, '')) {
      if (typeof e !== 'string') {
        if (!syntax.strings) out.push(syntax.fromObject(e));
      } else if (syntax.strings && syntax.split) {
        // A list entry may itself be a comma list (age recipients).
        out.push(...e.split(',').map((s) => kind.fromString(s, ctx)));
      } else {
        out.push(kind.fromString(e, ctx));
      }
    }
  }
  return dedupeGroup(out);
}

/** The single group of a rule without key_groups, in sops's rule order (age, pgp, kms, gcp, hckms, azure, vault). */
function ruleSpecs(r: { [key: string]: YamlValue }, kmsContext: Record<string, string> | undefined): KeySpec[] {
  const ctx: SpecContext = { context: kmsContext, awsProfile: asString(r.aws_profile, 'aws_profile') };
  return kindsInRuleOrder().flatMap((kind) => ruleStrings(kind, r, '').map((s) => kind.fromString(s, ctx)));
}

const RULE_CONFLICT =
  'cannot use more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex, unencrypted_regex, encrypted_comment_regex, or unencrypted_comment_regex';

/**
 * The creation rule for `filePath`: the first rule whose path_regex (Go RE2, unanchored) matches the path
 * relative to the config's directory; a rule without path_regex matches everything.
 * Undefined when the config has no creation_rules; throws when it has some but none matches.
 * `kmsContext` (from --encryption-context) applies to the rule's single-group `kms` keys, as in sops.
 */
export function creationRuleFor(
  config: SopsConfig,
  configPath: string,
  filePath: string,
  kmsContext?: Record<string, string>,
): CreationRule | undefined {
  if (!config.creationRules) return undefined;
  const configDir = resolve(dirname(configPath));
  const abs = resolve(filePath);
  const relative = abs.startsWith(configDir + sep) ? abs.slice(configDir.length + 1) : abs;
  const match = config.creationRules.find((r) => {
    if (r.pathRegex === '') return true;
    const re = goRegex(r.pathRegex);
    if (!re) throw configError(`can not compile regexp: ${JSON.stringify(r.pathRegex)}`, configPath);
    return re.test(relative);
  });
  if (!match) throw configError('no matching creation rules found', configPath);
  try {
    return ruleFromFields(match.fields, kmsContext);
  } catch (err) {
    if (err instanceof SopsError && !err.file) throw err.withFile(configPath);
    throw err;
  }
}

function ruleFromFields(r: { [key: string]: YamlValue }, kmsContext: Record<string, string> | undefined): CreationRule {
  const rules = RULE_KINDS.map((kind) => ({ kind, value: asString(r[kind], kind) })).filter((x) => x.value !== '');
  if (rules.length > 1) throw new SopsError(`error loading config: ${RULE_CONFLICT} for the same rule`, ExitCode.Generic);
  const groups = asMapList(r.key_groups, 'key_groups');
  const out: CreationRule = {
    keyGroups: groups.length > 0 ? groups.map(groupSpecs) : [ruleSpecs(r, kmsContext)],
  };
  const threshold = asInt(r.shamir_threshold, 'shamir_threshold');
  if (threshold !== 0) out.shamirThreshold = threshold;
  if (rules[0]) out.rule = rules[0];
  if (asBool(r.mac_only_encrypted, 'mac_only_encrypted')) out.macOnlyEncrypted = true;
  const profile = asString(r.aws_profile, 'aws_profile');
  if (profile) out.awsProfile = profile;
  return out;
}

/** Every flag that shapes encryption; key flags fall back to their SOPS_* environment variables. */
export interface EncryptionFlags extends KeyFlags {
  rule?: EncryptionRule;
  macOnlyEncrypted?: boolean;
  shamirThreshold?: number;
  /** --indent: overrides every store's indentation. */
  indent?: number;
}

export interface EncryptionSettings {
  keyGroups: KeySpec[][];
  shamirThreshold?: number;
  /** Undefined means the default `unencrypted_suffix: _unencrypted`. */
  rule?: EncryptionRule;
  macOnlyEncrypted: boolean;
  stores: StoresConfig;
  /** The config file that was used, if any. */
  configPath?: string;
  /** A `.sops.yml` was ignored; worth printing. */
  warning?: string;
}

/** `--age, --pgp, ... or --hc-vault-transit (or their SOPS_* variables)`: the key flags of the kinds that can encrypt. */
function keyFlagHint(): string {
  const names = keyFlags()
    .filter((f) => f.supported)
    .map((f) => `--${f.name}`);
  return `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]} (or their SOPS_* variables)`;
}

/**
 * Key groups, Shamir threshold, encryption rule and store settings for encrypting `filePath`, combined as sops does:
 * the config is loaded (and must have a matching rule) whenever one exists; key flags replace the rule's keys
 * with a single group; CLI rule flags override the rule's own; no keys at all is an error.
 */
export function resolveEncryptionSettings(args: {
  filePath: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  configPath?: string;
  flags: EncryptionFlags;
}): EncryptionSettings {
  const { flags, env } = args;
  const lookup = configLookupFor(args.filePath, args.cwd, env, args.configPath);
  const configPath = lookup.path;

  // sops reads a malformed context as "none" while loading the config, and rejects it only when building keys.
  let context: Record<string, string> | undefined;
  let contextError: SopsError | undefined;
  try {
    context = parseEncryptionContext(flags.encryptionContext);
  } catch (err) {
    contextError = err as SopsError;
  }

  const config = configPath ? loadConfig(configPath) : undefined;
  const rule = config && configPath ? creationRuleFor(config, configPath, resolve(args.cwd, args.filePath), context) : undefined;

  if (flags.rule && rule?.rule && flags.rule.kind !== rule.rule.kind) {
    throw new SopsError(`Error: ${RULE_CONFLICT} in the same file`, ExitCode.ConflictingParameters);
  }
  if (contextError) throw contextError;

  const fromFlags = keySpecsFromFlags(flags, env);
  let keyGroups: KeySpec[][];
  if (fromFlags) {
    keyGroups = [fromFlags];
  } else if (rule) {
    keyGroups = rule.keyGroups;
  } else {
    throw new SopsError(
      `config file not found, or has no creation rules, and no keys provided through command line options (${keyFlagHint()})`,
      ExitCode.Generic,
    );
  }
  if (keyGroups.length === 0 || keyGroups.some((g) => g.length === 0)) {
    throw new SopsError(
      `no master keys were provided: the creation rule in ${configPath} has ${keyGroups.length === 0 ? 'no key groups' : 'an empty key group'}; add keys to it or use ${keyFlagHint()}`,
      ExitCode.Generic,
    );
  }

  const stores: StoresConfig = { ...(config?.stores ?? {}) };
  if (flags.indent !== undefined) {
    for (const name of ['yaml', 'json', 'json_binary'] as const) stores[name] = { indent: flags.indent };
  }
  const settings: EncryptionSettings = {
    keyGroups,
    rule: flags.rule ?? rule?.rule,
    macOnlyEncrypted: Boolean(flags.macOnlyEncrypted || rule?.macOnlyEncrypted),
    stores,
  };
  const threshold = flags.shamirThreshold || rule?.shamirThreshold;
  if (threshold) settings.shamirThreshold = threshold;
  if (configPath) settings.configPath = configPath;
  if (lookup.warning) settings.warning = lookup.warning;
  return settings;
}

/** Store settings for any command (decrypt included): from the config if one is found, else defaults. */
export function storesConfigFor(filePath: string, cwd: string, env: NodeJS.ProcessEnv, configPath?: string): StoresConfig {
  const path = configFor(filePath, cwd, env, configPath);
  return path ? loadConfig(path).stores : {};
}
