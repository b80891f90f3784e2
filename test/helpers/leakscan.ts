// The plaintext a test must never see where it does not belong: the secret leaves of an encrypted file, and
// scanners for output streams, process argv/environment and directory trees. One hit fails the test.
import { strict as assert } from 'node:assert';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openEncrypted, type CommonOptions } from '../../src/engine.js';
import { Comment, Mapping, SopsTime, type Value } from '../../src/sops/tree.js';

/** Shortest value scanned for: shorter ones ("1", "yes") occur by chance in any text. */
export const MIN_SECRET_LENGTH = 6;

/** Counts, for the suite's summary: how many texts and files were scanned, and for how many secrets. */
export const leakStats = { texts: 0, files: 0 };

function leafText(v: Value): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint' || typeof v === 'number') return String(v);
  if (v instanceof SopsTime) return v.text;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (v instanceof Comment) return v.text;
  return undefined;
}

/** Secret strings of a decrypted tree: each leaf that was encrypted, and each of its lines for multi-line values. */
export function secretsOfTree(branches: Mapping[], encrypted: (path: string) => boolean = () => true): string[] {
  const keys = new Set<string>();
  const out = new Set<string>();
  const visit = (v: Value, path: string): void => {
    if (v instanceof Mapping) {
      for (const it of v.items) {
        if (typeof it.key === 'string') {
          keys.add(it.key);
          visit(it.value, `${path}${it.key}:`);
        } else visit(it.key, path);
      }
      return;
    }
    if (Array.isArray(v)) {
      for (const x of v) visit(x, path);
      return;
    }
    const t = leafText(v);
    if (t === undefined || !encrypted(path)) return;
    for (const s of [t, ...t.split(/\r?\n/)]) {
      const x = s.trim();
      if (x.length >= MIN_SECRET_LENGTH) out.add(x);
    }
  };
  for (const b of branches) visit(b, '');
  // A value equal to a key name may be named in a message legitimately.
  return [...out].filter((s) => !keys.has(s));
}

/** Decrypts `bytes` once (the test's own key environment) and returns its secrets, without the clear leaves. */
export async function secretsOf(bytes: Uint8Array, path: string, opts: CommonOptions = {}): Promise<string[]> {
  const text = Buffer.from(bytes).toString('utf8');
  const opened = await openEncrypted(bytes, path, opts);
  const secrets = secretsOfTree(opened.branches);
  // Values stored in the clear (unencrypted suffix, regex) are not secrets: they are in the file as they are.
  return secrets.filter((s) => !text.includes(s));
}

/** Fails when `text` contains any of `secrets`; `where` names the stream in the message (never the secret). */
export function assertNoLeak(text: string | Uint8Array, secrets: readonly string[], where: string): void {
  leakStats.texts++;
  const s = typeof text === 'string' ? text : Buffer.from(text).toString('utf8');
  const hit = secrets.findIndex((x) => s.includes(x));
  assert.equal(hit, -1, `plaintext leak in ${where}: secret #${hit} (${secrets[hit]?.length ?? 0} chars) found`);
}

/** Every regular file under `root` (symlinks not followed); unreadable entries are skipped. */
export function filesUnder(root: string): string[] {
  const out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return out;
  }
  for (const n of names) {
    const p = join(root, n);
    let st;
    try {
      st = lstatSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) out.push(...filesUnder(p));
    else if (st.isFile()) out.push(p);
  }
  return out;
}

/** Fails when any file under `root` contains a secret; returns how many files were read. */
export function assertNoLeakInTree(root: string, secrets: readonly string[], skip: (path: string) => boolean = () => false): number {
  let n = 0;
  for (const f of filesUnder(root)) {
    if (skip(f)) continue;
    let data: Buffer;
    try {
      data = readFileSync(f);
    } catch {
      continue;
    }
    n++;
    leakStats.files++;
    assertNoLeak(data, secrets, f);
  }
  return n;
}
