// Where the time of one big-file operation goes: runs it under --cpu-prof and sums self time per function
// and per source (our modules by name, packages by package), for the engine and store owners.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runWorker, type Ctx } from './context.js';
import type { Job } from './worker.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function source(url: string): string {
  if (!url) return '(native/gc)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg && !url.includes('.cache/helm-secrets-bench')) return pkg[1]!;
  if (url.startsWith('node:')) return url;
  return url.split('/').pop()!.replace(/-[A-Z0-9]{8}\.mjs$/, '');
}

/** Profiles one job; returns a printable summary (top functions and sources by self time). */
export function profile(ctx: Ctx, job: Job, top = 15): string {
  const dir = join(ctx.dir, `prof-${Date.now()}`);
  const r = runWorker(ctx, job, ctx.env, ['--cpu-prof', '--cpu-prof-dir', dir]);
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return 'no profile written';
  const p = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  p.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const fn = new Map<string, number>();
  const src = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    const s = source(n.callFrame.url);
    const name = n.callFrame.functionName || '(anonymous)';
    const key = n.callFrame.url ? `${name} (${s}:${n.callFrame.lineNumber + 1})` : name;
    fn.set(key, (fn.get(key) ?? 0) + us);
    src.set(s, (src.get(s) ?? 0) + us);
    total += us;
  }
  const list = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `  ${(us / 1000).toFixed(0).padStart(6)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`);
  return [
    `profile of ${job.op} (${r.ms.toFixed(0)} ms measured, ${(total / 1000).toFixed(0)} ms sampled incl. start-up); profile file: ${join(dir, file)}`,
    'self time by source:',
    ...list(src),
    'self time by function:',
    ...list(fn),
  ].join('\n');
}
