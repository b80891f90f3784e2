// Bounded runs that report what they cost: a command run under /usr/bin/time (peak memory of the process tree's
// largest member) with a wall-clock bound, killed when it overruns; the figures are printed with the test's label.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import type { ProcResult } from './proc.js';
import { CLI } from './paths.js';

export interface Measured extends ProcResult {
  ms: number;
  maxRssKb: number;
}

/** Runs `cmd args`, killing it after `boundMs`; prints `label: N ms, M MB peak` and returns the result. */
export async function runMeasured(
  label: string,
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; boundMs: number },
): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'hs-measure-'));
  const out = join(dir, 'time');
  let overran = false;
  let timer: NodeJS.Timeout | undefined;
  const t0 = performance.now();
  try {
    // Its own process group, so the bound kills the command and not only /usr/bin/time.
    const r = await new Promise<ProcResult>((resolve, reject) => {
      const child = spawn('/usr/bin/time', ['-f', '%M', '-o', out, cmd, ...args], { env: opts.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      const so: Buffer[] = [];
      const se: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => so.push(d));
      child.stderr.on('data', (d: Buffer) => se.push(d));
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code: code ?? 128, signal, stdout: Buffer.concat(so), stderr: Buffer.concat(se).toString('utf8') }));
      timer = setTimeout(() => {
        overran = true;
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, opts.boundMs);
    });
    clearTimeout(timer);
    const ms = performance.now() - t0;
    let maxRssKb = 0;
    try {
      maxRssKb = Number(readFileSync(out, 'utf8').trim().split('\n').pop());
    } catch {
      maxRssKb = 0;
    }
    console.log(`      ${label}: ${ms.toFixed(0)} ms, ${(maxRssKb / 1024).toFixed(1)} MB peak RSS${overran ? ' (killed at the bound)' : ''}`);
    if (overran) throw new Error(`${label}: did not end within ${opts.boundMs} ms`);
    return { ...r, ms, maxRssKb };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The built CLI under runMeasured. */
export function runCliMeasured(label: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; boundMs: number }): Promise<Measured> {
  return runMeasured(label, process.execPath, [CLI, ...args], opts);
}
