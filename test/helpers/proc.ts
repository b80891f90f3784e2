// Child processes for the tests: the built CLI (or helm) run without blocking the event loop (so several run at
// once and a test can signal them), and a small pool that bounds how many run together on a 2-core machine.
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from './paths.js';

export interface ProcResult {
  code: number;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

/** Spawns `cmd args` with stdout and stderr collected; settles when it has exited and its streams closed. */
function collect(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; onSpawn?: (c: ChildProcess) => void },
): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: Buffer; err: Buffer }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, out: Buffer.concat(out), err: Buffer.concat(err) }));
    opts.onSpawn?.(child);
  });
}

/** Runs `cmd args`; `onSpawn` receives the child (to signal it). Resolves when it has exited and its streams closed. */
export async function runAsync(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; onSpawn?: (c: ChildProcess) => void } = {},
): Promise<ProcResult> {
  const r = await collect(cmd, args, opts);
  return { code: r.code ?? 128, signal: r.signal, stdout: r.out, stderr: r.err.toString('utf8') };
}

export interface TextResult {
  /** null when a signal ended it (then `signal` says which). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `cmd args` in `env` (helm, the CLI through helm, a packaging script), its output as text. */
export async function runText(cmd: string, args: string[], env: NodeJS.ProcessEnv, onSpawn?: (pid: number) => void): Promise<TextResult> {
  const r = await collect(cmd, args, { env, onSpawn: onSpawn && ((c) => c.once('spawn', () => onSpawn(c.pid!))) });
  return { code: r.code, signal: r.signal, stdout: r.out.toString('utf8'), stderr: r.err.toString('utf8') };
}

/** The built CLI (bin/helm-secrets.js) in a child process. */
export function runCliAsync(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; onSpawn?: (c: ChildProcess) => void } = {}): Promise<ProcResult> {
  return runAsync(process.execPath, [CLI, ...args], opts);
}

/** Runs `jobs` with at most `n` at a time; results in job order. */
export async function pool<T>(jobs: (() => Promise<T>)[], n: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, jobs.length) }, async () => {
      while (next < jobs.length) {
        const i = next++;
        results[i] = await jobs[i]();
      }
    }),
  );
  return results;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The built CLI, killed (and the test failed) when it outlives `boundMs`: key-service faults must never hang a run. */
export async function runCliBounded(args: string[], env: NodeJS.ProcessEnv, boundMs: number): Promise<ProcResult> {
  let timer: NodeJS.Timeout | undefined;
  let overran = false;
  const r = await runCliAsync(args, {
    env,
    onSpawn: (c) => {
      timer = setTimeout(() => ((overran = true), c.kill('SIGKILL')), boundMs);
    },
  });
  clearTimeout(timer);
  if (overran) throw new Error(`the run did not end within ${boundMs} ms`);
  return r;
}
