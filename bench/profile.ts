// Where the time of one big-file operation goes: runs it under --cpu-prof and sums self time per function
// and per source (our modules by name, packages by package), for the engine and store owners.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

const markers = new Map<string, { line: number; module: string }[]>();

/** esbuild marks each bundled module with a `// path` line; those tell which module a bundle line is in. */
function moduleAt(url: string, line: number): string | undefined {
  let m = markers.get(url);
  if (!m) {
    m = [];
    try {
      const lines = readFileSync(fileURLToPath(url), 'utf8').split('\n');
      lines.forEach((l, i) => {
        const hit = /^\/\/ ((?:src|bench|node_modules)\/\S+)$/.exec(l);
        if (hit) m!.push({ line: i, module: hit[1] });
      });
    } catch {
      // not a readable file: fall back to the URL
    }
    markers.set(url, m);
  }
  let found: string | undefined;
  for (const x of m) if (x.line <= line) found = x.module;
  return found;
}

function source(url: string, line: number): string {
  if (!url) return '(native/gc)';
  if (url.startsWith('node:')) return url;
  const mod = url.startsWith('file:') ? moduleAt(url, line) : undefined;
  const path = mod ?? url;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(path);
  if (pkg && !path.includes('.cache/helm-secrets-bench')) return `${pkg[1]}/${pkg[2]}`;
  return path.replace(/^file:\/\/.*\/work\/main\//, '');
}

/** Sums per package (yaml, node:crypto...) or per our own module. */
function group(src: string): string {
  if (src.startsWith('node:internal/crypto')) return 'node:crypto';
  if (src.startsWith('node:')) return 'node (other)';
  if (src.startsWith('(')) return src;
  const yamlPart = /^yaml\/dist\/([^/]+)\//.exec(src);
  if (yamlPart) return `yaml (${yamlPart[1]})`;
  const pkg = /^((?:@[^/]+\/)?[^/]+)\//.exec(src);
  if (pkg && !src.startsWith('src/') && !src.startsWith('bench/')) return pkg[1];
  return src;
}

/** Profiles one job; returns a printable summary (top functions and sources by self time). */
export function profile(ctx: Ctx, job: Job, env: NodeJS.ProcessEnv = ctx.env, top = 15): string {
  const dir = join(ctx.dir, `prof-${Date.now()}`);
  const r = runWorker(ctx, job, env, ['--cpu-prof', '--cpu-prof-dir', dir]);
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
    const s = source(n.callFrame.url, n.callFrame.lineNumber);
    const name = n.callFrame.functionName || '(anonymous)';
    const key = n.callFrame.url ? `${name} (${s})` : name;
    fn.set(key, (fn.get(key) ?? 0) + us);
    const g = group(s);
    src.set(g, (src.get(g) ?? 0) + us);
    total += us;
  }
  const list = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `  ${(us / 1000).toFixed(0).padStart(6)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`);
  return [
    `profile of ${job.op} (${r.ms.toFixed(0)} ms measured, ${(total / 1000).toFixed(0)} ms sampled incl. start-up); profile file: ${join(dir, file)}`,
    'self time by package or module:',
    ...list(src),
    'self time by function:',
    ...list(fn),
  ].join('\n');
}
