// Case 7: what resolving references costs: a values file with 100 references to one store (the local Vault
// stand-in over HTTP, 100 distinct secrets; and one YAML file, 100 fragments into it) through the in-process
// resolver (`vals eval`), against the same values written inline through the same eval. Both sides parse, walk and
// emit the same document, so the difference is the fetching: provider loading, HTTP round trips, the fragment walk.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { median } from '../stats.js';
import { errorRow, type Ctx, type Row } from '../context.js';

const REFS = 100;

/** Samples of async contenders, interleaved A B, B A, ... after one discarded warm-up each. */
async function alternateAsync(runs: number, contenders: (() => Promise<void>)[]): Promise<number[][]> {
  for (const c of contenders) await c();
  const out: number[][] = contenders.map(() => []);
  for (let i = 0; i < runs; i++) {
    const order = contenders.map((_, j) => j);
    if (i % 2) order.reverse();
    for (const j of order) {
      const t0 = process.hrtime.bigint();
      await contenders[j]();
      out[j].push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  return out;
}

export async function refsCase(ctx: Ctx): Promise<Row[]> {
  const runs = Math.max(2, ctx.sizes.runs.cli);
  const rows: Row[] = [];
  const { evalYaml } = await import('../../src/refs/resolve.js');
  const { startFakeVault } = await import('../../test/helpers/fake-vault.js');
  const dir = join(ctx.dir, 'refs');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const values = (i: number) => `value-${i}-${'x'.repeat(24)}`;
  const inline = Array.from({ length: REFS }, (_, i) => `key${i}: ${values(i)}`).join('\n') + '\n';

  const measure = async (label: string, withRefs: string, env: NodeJS.ProcessEnv): Promise<Row> => {
    const opts = { env, baseDir: dir, file: 'refs.yaml' };
    const expected = await evalYaml(inline, opts);
    const got = await evalYaml(withRefs, opts);
    if (got !== expected) throw new Error(`${label}: the references did not resolve to the inline values`);
    ctx.log(`case 7: ${runs} runs of ${label}`);
    const [ours, ref] = await alternateAsync(runs, [
      async () => {
        await evalYaml(withRefs, opts);
      },
      async () => {
        await evalYaml(inline, opts);
      },
    ]);
    const o = median(ours);
    const r = median(ref);
    return {
      case: 7,
      name: `${REFS} references to ${label}`,
      status: 'ok',
      ours: { value: o, unit: 'ms' },
      ref: { value: r, unit: 'ms', name: 'the same values inline' },
      ratio: o / r,
      added: o - r,
      met: null,
      note: `${(o - r).toFixed(1)} ms added; each run fetches every reference (no cache across runs)`,
    };
  };

  const vault = await startFakeVault('bench-token');
  try {
    vault.mounts.set('secret/', 2);
    for (let i = 0; i < REFS; i++) vault.putSecret(`secret/app/s${i}`, { value: values(i) });
    const doc = Array.from({ length: REFS }, (_, i) => `key${i}: ref+vault://secret/app/s${i}#/value`).join('\n') + '\n';
    rows.push(await measure('one Vault (KV v2 over HTTP, 100 secrets)', doc, { VAULT_ADDR: vault.address, VAULT_TOKEN: 'bench-token', HOME: dir }));
  } catch (err) {
    rows.push(errorRow(7, `${REFS} references to one Vault`, err));
  } finally {
    await vault.stop();
  }

  try {
    writeFileSync(join(dir, 'store.yaml'), Array.from({ length: REFS }, (_, i) => `s${i}: ${values(i)}`).join('\n') + '\n', { mode: 0o600 });
    const doc = Array.from({ length: REFS }, (_, i) => `key${i}: ref+file://store.yaml#/s${i}`).join('\n') + '\n';
    rows.push(await measure('one YAML file (file provider, fragments)', doc, { HOME: dir }));
  } catch (err) {
    rows.push(errorRow(7, `${REFS} references to one YAML file`, err));
  }
  return rows;
}
