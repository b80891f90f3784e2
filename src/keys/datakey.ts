// Wrapping the data key for every master key of every key group (Shamir-split when there are ≥2 groups)
// and recovering it again the way sops's GetDataKeyWithKeyServices does.
import { ExitCode, SopsError, errorMessage } from '../errors.js';
import { combine, split } from '../sops/shamir.js';
import { keyLog, verboseLog } from '../log.js';
import { DEFAULT_DECRYPTION_ORDER, allKinds, keyLabel, kindOf, loadKind } from './registry.js';
import type { KeyContext, KeyEntry, KeySpec } from './types.js';

export interface WrappedDataKey {
  keyGroups: KeyEntry[][];
  /** 0 for a single group (the field is then omitted), else the number of groups needed. */
  shamirThreshold: number;
}

/**
 * Wraps `dataKey` for every key: with one group each key wraps the key itself; with ≥2 groups
 * the key is split into one Shamir share per group (threshold defaults to the number of groups).
 */
export async function wrapDataKey(
  dataKey: Uint8Array,
  groups: KeySpec[][],
  threshold: number | undefined,
  ctx: KeyContext,
): Promise<WrappedDataKey> {
  if (groups.length === 0) throw new SopsError('no key groups provided', ExitCode.NoEncryptionKeyFound);
  if (groups.some((g) => g.length === 0)) throw new SopsError('empty key group provided', ExitCode.NoEncryptionKeyFound);

  let parts: Uint8Array[];
  let shamirThreshold = 0;
  if (groups.length === 1) {
    parts = [dataKey];
  } else {
    shamirThreshold = threshold || groups.length;
    if (!Number.isInteger(shamirThreshold) || shamirThreshold < 2 || shamirThreshold > groups.length) {
      throw new SopsError(
        `invalid shamir threshold ${shamirThreshold}: it must be between 2 and the number of key groups (${groups.length})`,
        ExitCode.ErrorReadingConfig,
      );
    }
    parts = split(dataKey, groups.length, shamirThreshold);
  }

  const failures: string[] = [];
  const keyGroups: KeyEntry[][] = [];
  // One key at a time: gpg serialises on its trustdb lock anyway, and errors stay in order.
  for (const [i, group] of groups.entries()) {
    const entries: KeyEntry[] = [];
    for (const spec of group) {
      try {
        const kind = await loadKind(spec.kind);
        entries.push(await kind.wrap(spec, parts[i], ctx));
        logKey(spec, 'Encryption succeeded');
      } catch (err) {
        logKey(spec, 'Encryption failed');
        failures.push(`${keyLabel(spec)}: ${oneLine(err)}`);
      }
    }
    keyGroups.push(entries);
  }
  if (failures.length > 0) {
    throw new SopsError(
      `Error encrypting the data key with one or more master keys: ${failures.join('; ')}`,
      ExitCode.CouldNotRetrieveKey,
    );
  }
  return { keyGroups, shamirThreshold };
}

/**
 * Recovers the data key. Keys of a group are tried in decryption order and the first that opens its
 * part wins; groups are tried in order until enough parts are known. On failure the error names
 * every key tried and why it could not be used.
 */
export async function recoverDataKey(
  keyGroups: KeyEntry[][],
  shamirThreshold: number,
  ctx: KeyContext & { decryptionOrder?: string[] },
): Promise<Uint8Array> {
  if (keyGroups.length === 0 || keyGroups.every((g) => g.length === 0)) {
    throw new SopsError('failed to get the data key: the file has no master keys', ExitCode.CouldNotRetrieveKey);
  }
  const order = ctx.decryptionOrder ?? decryptionOrderFromEnv(ctx.env);
  const needed = keyGroups.length === 1 ? 1 : shamirThreshold > 0 ? shamirThreshold : keyGroups.length;

  const parts: Uint8Array[] = [];
  const report: string[] = [];
  for (const [i, group] of keyGroups.entries()) {
    if (parts.length >= needed) break;
    const tried: string[] = [];
    let part: Uint8Array | null = null;
    for (const entry of sortForDecryption(group, order)) {
      try {
        const kind = await loadKind(entry.kind);
        part = await kind.unwrap(entry, ctx);
        logKey(entry, part ? 'Decryption succeeded' : 'Decryption failed');
        if (part) break;
        tried.push(`${keyLabel(entry)}: no matching identity`);
      } catch (err) {
        logKey(entry, 'Decryption failed');
        tried.push(`${keyLabel(entry)}: ${oneLine(err)}`);
      }
    }
    if (part) parts.push(part);
    if (keyGroups.length === 1) report.push(...tried);
    else report.push(part ? `group ${i + 1}: ok` : `group ${i + 1}: ${tried.join(', ') || 'no keys'}`);
  }

  if (parts.length < needed) {
    const head =
      keyGroups.length === 1
        ? 'failed to get the data key'
        : `failed to get the data key: ${needed} of ${keyGroups.length} key groups needed, ${parts.length} recovered`;
    throw new SopsError(`${head}: ${report.join('; ')}`, ExitCode.CouldNotRetrieveKey);
  }
  if (keyGroups.length === 1) {
    verboseLog('SOPS', 'Data key recovered successfully');
    return parts[0];
  }
  try {
    const key = combine(parts);
    verboseLog('SOPS', 'Data key recovered successfully');
    return key;
  } catch (err) {
    throw new SopsError(`could not get data key from shamir parts: ${oneLine(err)}`, ExitCode.CouldNotRetrieveKey);
  }
}

/** SOPS_DECRYPTION_ORDER (comma-separated identifiers), default age,pgp. */
export function decryptionOrderFromEnv(env: NodeJS.ProcessEnv): string[] {
  const raw = env.SOPS_DECRYPTION_ORDER;
  if (raw === undefined || raw.trim() === '') return [...DEFAULT_DECRYPTION_ORDER];
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * sops's group order (kms … pgp, age), then a stable sort by the decryption order
 * with unlisted kinds after the listed ones. Kind ids equal their metadata field names.
 */
export function sortForDecryption(group: KeyEntry[], order: string[]): KeyEntry[] {
  const kinds = allKinds();
  const internal = (k: string) => {
    const i = kinds.findIndex((d) => d.entry.field === k);
    return i < 0 ? kinds.length : i;
  };
  const priority = (k: string) => {
    const i = order.indexOf(k);
    return i < 0 ? order.length : i;
  };
  return group
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => internal(a.entry.kind) - internal(b.entry.kind) || a.index - b.index)
    .map((x, index) => ({ entry: x.entry, index }))
    .sort((a, b) => priority(a.entry.kind) - priority(b.entry.kind) || a.index - b.index)
    .map((x) => x.entry);
}

/** sops's --verbose line for a key attempt, under the kind's logger name. */
function logKey(k: KeyEntry | KeySpec, msg: string): void {
  const kind = kindOf(k.kind);
  keyLog(kind?.logger ?? [k.kind.toUpperCase(), 'key'], msg, kind?.describe(k.fields) ?? '');
}

function oneLine(err: unknown): string {
  const msg = errorMessage(err);
  return msg.replace(/\s*\r?\n\s*/g, ' ').trim();
}
