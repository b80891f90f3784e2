// updatekeys FILE...: make a file's master keys (groups, threshold) match its .sops.yaml creation rule by
// re-wrapping the same data key. Values, MAC and lastmodified are untouched; keys that stay keep their entries.
import { resolve } from 'node:path';
import { metadataMapping, openEncrypted } from '../../engine.js';
import { ExitCode, SopsError, asSopsError, printable } from '../../errors.js';
import { readInput, writeAtomic } from '../../io.js';
import type { KeyContext, KeyEntry, KeySpec } from '../../keys/types.js';
import { metadataKeyOf, type Store } from '../../sops/store.js';
import { attachMetadata, splitMetadata, type Metadata } from '../../sops/metadata.js';
import { askYesNo } from '../../edit/editor.js';
import { diffKeyGroups, type GroupDiff } from '../../edit/keydiff.js';
import { keyIdentity } from '../../sops/keyentry.js';
import { keyFlags, keySummary as keyLabel } from '../../keys/registry.js';
import type { FileCommandArgs } from '../args.js';
import { eachFile } from '../command.js';
import { expandFiles } from './tree.js';
import { info, lockOptions, warn } from '../console.js';
import { withFileLock } from '../../lock.js';


/** What the file's key groups should become. */
export interface KeyPlan {
  groups: KeySpec[][];
  threshold: number;
  diffs: GroupDiff[];
  changes: boolean;
}

export function planKeys(md: Metadata, ruleGroups: KeySpec[][], ruleThreshold: number | undefined, flagThreshold: number | undefined): KeyPlan {
  let threshold = flagThreshold ?? ruleThreshold ?? md.shamirThreshold;
  threshold = ruleGroups.length <= 1 ? 0 : Math.min(threshold || ruleGroups.length, ruleGroups.length);
  const diffs = diffKeyGroups(md.keyGroups, ruleGroups);
  const changes =
    md.keyGroups.length !== ruleGroups.length || diffs.some((d) => d.added.length || d.removed.length) || threshold !== md.shamirThreshold;
  return { groups: ruleGroups, threshold, diffs, changes };
}

export function describePlan(md: Metadata, plan: KeyPlan): string {
  const lines: string[] = [];
  if (plan.threshold !== md.shamirThreshold) lines.push(`Shamir threshold: ${md.shamirThreshold} -> ${plan.threshold}`);
  plan.diffs.forEach((d, i) => {
    lines.push(`Group ${i + 1}`);
    for (const k of d.kept) lines.push(`    ${keyLabel(k)}`);
    for (const k of d.added) lines.push(`+++ ${keyLabel(k)}`);
    for (const k of d.removed) lines.push(`--- ${keyLabel(k)}`);
  });
  return lines.join('\n');
}

/**
 * New key groups wrapping `dataKey`. With one group before and after, entries of keys that stay are kept as
 * they are and only new keys are wrapped; with Shamir groups every share is new, so every key is re-wrapped.
 */
export async function rewrap(dataKey: Uint8Array, md: Metadata, plan: KeyPlan, ctx: KeyContext): Promise<KeyEntry[][]> {
  const { wrapDataKey } = await import('../../keys/datakey.js');
  if (plan.groups.length === 1 && md.keyGroups.length === 1 && plan.threshold === 0) {
    const existing = new Map(md.keyGroups[0].map((e) => [keyIdentity(e), e]));
    const fresh = plan.groups[0].filter((s) => !existing.has(keyIdentity(s)));
    const wrapped = fresh.length ? (await wrapDataKey(dataKey, [fresh], undefined, ctx)).keyGroups[0] : [];
    const byId = new Map(wrapped.map((e) => [keyIdentity(e), e]));
    return [plan.groups[0].map((s) => existing.get(keyIdentity(s)) ?? byId.get(keyIdentity(s))!)];
  }
  return (await wrapDataKey(dataKey, plan.groups, plan.threshold || undefined, ctx)).keyGroups;
}

/**
 * The file as read (values still encrypted, byte for byte as the store writes them) with only its metadata replaced:
 * for changes of the master keys that keep the data key (updatekeys, groups add/delete).
 */
export function withMetadata(store: Store, bytes: Uint8Array, md: Metadata): Uint8Array {
  const branches = store.loadEncrypted(bytes);
  const key = metadataKeyOf(store.name);
  splitMetadata(branches, key);
  attachMetadata(branches, metadataMapping(md), key);
  return store.emitEncrypted(branches);
}

/** The key kinds' variables (src/keys/registry.ts): only the creation rule may name the new keys. */
const KEY_ENV = keyFlags().map((f) => f.env);

/** sops looks the config up before anything else and exits 1 (its lookup error as a generic error), not 61. */
function noConfig(): SopsError {
  return new SopsError('config file not found: updatekeys needs a .sops.yaml with creation rules', ExitCode.Generic);
}

export async function updateOne(file: string, opts: { configPath?: string; env: NodeJS.ProcessEnv; yes: boolean; threshold?: number; common: Parameters<typeof openEncrypted>[2] }): Promise<void> {
  const cwd = process.cwd();
  const { configFor, loadConfig, creationRuleFor } = await import('../../config/config.js');
  const env = { ...opts.env };
  // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- removing variables from a copy of the environment
  for (const k of KEY_ENV) delete env[k];
  const configPath = configFor(file, cwd, env, opts.configPath);
  if (!configPath) throw noConfig();
  const config = loadConfig(configPath);
  const rule = creationRuleFor(config, configPath, resolve(cwd, file));
  if (!rule) throw new SopsError(`the config file ${configPath} does not contain any creation rule`, ExitCode.Generic);
  if (rule.keyGroups.length === 0 || rule.keyGroups.some((g) => g.length === 0)) {
    throw new SopsError(`the creation rule for this file in ${configPath} has no keys (or an empty key group)`, ExitCode.Generic);
  }

  const bytes = await readInput(file);
  const opened = await openEncrypted(bytes, file, { ...opts.common, env: opts.env });
  const md = opened.metadata;
  const plan = planKeys(md, rule.keyGroups, rule.shamirThreshold, opts.threshold);
  if (!plan.changes) {
    info(`${file}: keys already match the creation rule`);
    return;
  }
  process.stdout.write(`The following changes will be made to the key groups of ${printable(file)}:\n${describePlan(md, plan)}\n`);
  if (!opts.yes) {
    const ok = await askYesNo('Is this okay? (y/n): ');
    if (ok === null) throw new SopsError('not confirmed (no answer on stdin; use -y to apply without asking)', ExitCode.Generic);
    if (!ok) {
      info(`${file}: left unchanged`);
      return;
    }
  }
  const keyGroups = await rewrap(opened.dataKey, md, plan, { env: opts.env, timeoutMs: opts.common?.keyTimeoutMs });
  await writeAtomic(file, withMetadata(opened.store, bytes, { ...md, keyGroups, shamirThreshold: plan.threshold }));
  info(`${file}: keys updated`);
}

/** updatekeys FILE... (directories with -r): each file's keys made to match its creation rule, each reported. */
export async function runUpdatekeys(args: FileCommandArgs, env: NodeJS.ProcessEnv): Promise<number> {
  if (args.files.length === 0) {
    // sops looks for its config (from the CWD, with no file to start from) before it counts the files.
    const { findConfig } = await import('../../config/config.js');
    if (!args.common.configPath && !findConfig(process.cwd(), args.common.env ?? env)) throw noConfig();
    throw new SopsError('updatekeys: no file specified', ExitCode.NoFileSpecified);
  }
  const opts = {
    configPath: args.common.configPath,
    env: args.common.env ?? env,
    yes: args.yes,
    threshold: args.flags.shamirThreshold,
    common: { ...args.common, warn },
  };
  const files = await expandFiles(args.files, args.values.recursive === true, (f) => { info(`${f}: skipped, not a sops file`); });
  return eachFile(files, async (file) => {
    try {
      await withFileLock(file, lockOptions(opts.env, 'updatekeys'), () => updateOne(file, opts));
    } catch (err) {
      throw asSopsError(err);
    }
  });
}
