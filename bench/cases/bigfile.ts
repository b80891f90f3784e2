// Case 3: opening and sealing a big values file, each run in its own process for its peak memory, set
// against js-yaml load + dump of the same plaintext (the fastest JavaScript YAML round trip we know).
import { deepStrictEqual } from 'node:assert';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateValues } from '../generate.js';
import { alternate, median } from '../stats.js';
import { errorRow, runWorker, type Ctx, type Row } from '../context.js';
import type { JobResult } from '../worker.js';

const MB = 1024 * 1024;
const size = (bytes: number) => (bytes >= 100 * 1024 ? `${(bytes / MB).toFixed(2)} MB` : `${(bytes / 1024).toFixed(1)} KB`);

export interface BigInput {
  leaves: number;
  plainFile: string;
  encFile: string;
  jsonFile: string;
  plainBytes: number;
  encBytes: number;
}

const prepared = new Map<string, Promise<BigInput & { exact: boolean }>>();

/** Writes the plaintext, its JSON twin and the encrypted file (once per session and size); checks the round trip. */
export function prepareBig(ctx: Ctx, leaves: number): Promise<BigInput & { exact: boolean }> {
  const key = `${ctx.dir}:${leaves}`;
  let p = prepared.get(key);
  if (!p) {
    p = writeBig(ctx, leaves);
    prepared.set(key, p);
  }
  return p;
}

async function writeBig(ctx: Ctx, leaves: number): Promise<BigInput & { exact: boolean }> {
  const g = generateValues(leaves, ctx.seed, { comments: true });
  const plainFile = join(ctx.dir, `big-${leaves}.yaml`);
  const encFile = join(ctx.dir, `big-${leaves}.enc.yaml`);
  const jsonFile = join(ctx.dir, `big-${leaves}.json`);
  writeFileSync(plainFile, g.yaml, { mode: 0o600 });
  writeFileSync(jsonFile, g.json, { mode: 0o600 });
  const { encryptBytes, decryptBytes } = await import('../../src/engine.js');
  const enc = await encryptBytes(Buffer.from(g.yaml), plainFile, { env: ctx.env, cwd: ctx.dir, flags: { keys: { age: [ctx.recipient] } } });
  writeFileSync(encFile, enc, { mode: 0o600 });
  const dec = Buffer.from(await decryptBytes(enc, encFile, { env: ctx.env })).toString('utf8');
  const exact = dec === g.yaml;
  if (!exact) {
    const jsyaml = await import('js-yaml');
    // Layout may differ from the generator's; the values and comments may not.
    deepStrictEqual(jsyaml.load(dec), g.tree, 'decrypted values differ from the plaintext');
    const comments = dec.split('\n').filter((l) => l.trimStart().startsWith('#')).length;
    if (comments !== g.comments) throw new Error(`decrypt kept ${comments} of ${g.comments} comments`);
  }
  return { leaves, plainFile, encFile, jsonFile, plainBytes: g.yaml.length, encBytes: enc.byteLength, exact };
}

export async function bigFile(ctx: Ctx): Promise<Row[]> {
  const rows: Row[] = [];
  const baseline = median([0, 1, 2].map(() => runWorker(ctx, { op: 'baseline' }).maxRssKb)) / 1024;
  ctx.shared.baselineRssMb = baseline;
  const [small, large] = ctx.sizes.bigLeaves;
  for (const [i, leaves] of [small, large].entries()) {
    const runs = ctx.sizes.runs.big[i];
    const label = `${leaves.toLocaleString('en-US')} leaves`;
    const targeted = leaves === large;
    let input: Awaited<ReturnType<typeof prepareBig>>;
    try {
      ctx.log(`case 3: preparing ${label}`);
      input = await prepareBig(ctx, leaves);
    } catch (err) {
      rows.push(errorRow(3, `big file ${label}: prepare and check`, err));
      continue;
    }
    const sizeNote = `plaintext ${size(input.plainBytes)}, encrypted ${size(input.encBytes)}`;
    const expectSha = createHash('sha256').update(readFileSync(input.plainFile)).digest('hex');
    ctx.log(`case 3: ${label}, ${runs} runs of decrypt / encrypt / js-yaml (${sizeNote})`);
    let samples: JobResult[][];
    try {
      samples = alternate(runs, [
        () => runWorker(ctx, { op: 'decrypt', file: input.encFile }),
        () => runWorker(ctx, { op: 'encrypt', file: input.plainFile, recipient: ctx.recipient }),
        () => runWorker(ctx, { op: 'jsyaml', file: input.plainFile }),
      ]);
    } catch (err) {
      rows.push(errorRow(3, `big file ${label}`, err));
      continue;
    }
    const [dec, enc, js] = samples as [JobResult[], JobResult[], JobResult[]];
    const decMs = median(dec.map((r) => r.ms));
    const encMs = median(enc.map((r) => r.ms));
    const jsMs = median(js.map((r) => r.ms));
    if (leaves === large) ctx.shared.bigDecryptMs = decMs;
    const sameOutput = dec.every((r) => r.sha256 === dec[0].sha256);
    const exactNote = input.exact && dec[0].sha256 === expectSha ? 'output = plaintext byte for byte' : 'output = plaintext values and comments (layout differs)';
    rows.push({
      case: 3,
      name: `decrypt ${label}`,
      status: sameOutput ? 'ok' : 'error',
      ours: { value: decMs, unit: 'ms' },
      ref: { value: jsMs, unit: 'ms', name: 'js-yaml load+dump' },
      ratio: decMs / jsMs,
      target: targeted ? '≤ 2× js-yaml' : undefined,
      met: targeted ? decMs <= 2 * jsMs : null,
      note: `${sizeNote}; ${sameOutput ? exactNote : 'runs gave different outputs'}`,
    });
    rows.push({
      case: 3,
      name: `encrypt ${label}`,
      status: 'ok',
      ours: { value: encMs, unit: 'ms' },
      ref: { value: jsMs, unit: 'ms', name: 'js-yaml load+dump' },
      ratio: encMs / jsMs,
      met: null,
      note: 'fresh data key, one age recipient',
    });
    for (const [what, rs, bytes] of [
      ['decrypt', dec, input.encBytes],
      ['encrypt', enc, input.plainBytes],
    ] as const) {
      const rss = median(rs.map((r) => r.maxRssKb)) / 1024;
      const limit = (10 * bytes) / MB + baseline;
      rows.push({
        case: 3,
        name: `peak memory, ${what} ${label}`,
        status: 'ok',
        ours: { value: rss, unit: 'MB' },
        ref: { value: limit, unit: 'MB', name: '10× input + node baseline' },
        ratio: rss / limit,
        target: targeted ? '< 10× input + baseline' : undefined,
        met: targeted ? rss < limit : null,
        note: `input ${size(bytes)}, node baseline ${baseline.toFixed(1)} MB; js-yaml peak ${(median(js.map((r) => r.maxRssKb)) / 1024).toFixed(1)} MB`,
      });
    }
  }
  return rows;
}
