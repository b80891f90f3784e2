// What every bench case shares: the session's private directory and keys, the sizes for this run, the
// bundled worker, and the shape of a table row.
import { spawnSync } from 'node:child_process';
import type { Job, JobResult } from './worker.js';

export interface Sizes {
  /** Leaves of the big-file cases (case 3), small first. */
  bigLeaves: [number, number];
  /** Leaves of the per-leaf crypto case. */
  cipherLeaves: number;
  /** Files of the many-files case. */
  manyFiles: number;
  /** Leaves of a typical secrets file (cases 1, 2, 5). */
  smallLeaves: number;
  /** Leaves of the larger peer file (case 5). */
  peerLeaves: number;
  runs: { cli: number; many: number; big: [number, number]; cipher: number; peer: number; floor: number };
}

export const DEFAULT_SIZES: Sizes = {
  bigLeaves: [10_000, 100_000],
  cipherLeaves: 100_000,
  manyFiles: 50,
  smallLeaves: 40,
  peerLeaves: 10_000,
  runs: { cli: 21, many: 11, big: [7, 5], cipher: 5, peer: 9, floor: 5 },
};

export const TINY_SIZES: Sizes = {
  bigLeaves: [200, 1_000],
  cipherLeaves: 1_000,
  manyFiles: 5,
  smallLeaves: 20,
  peerLeaves: 200,
  runs: { cli: 2, many: 2, big: [2, 2], cipher: 2, peer: 2, floor: 2 },
};

export interface Ctx {
  root: string;
  /** Private (0700) session directory: generated inputs, keys, chart; removed at the end. */
  dir: string;
  worker: string;
  /** Environment for every child: the throwaway age key, helm's paths, no user config. */
  env: NodeJS.ProcessEnv;
  recipient: string;
  sizes: Sizes;
  seed: number;
  log: (msg: string) => void;
  /** --profile: also print where the time of the big decrypt/encrypt and the peer decrypt goes. */
  profile: boolean;
  /** Filled by earlier cases for later ones (e.g. the floor compares with case 3). */
  shared: Record<string, number>;
}

export interface Figure {
  value: number;
  unit: 'ms' | 'µs' | 'MB' | 'MB/s' | '×';
}

export interface Row {
  case: number;
  name: string;
  status: 'ok' | 'unavailable' | 'error';
  ours?: Figure;
  ref?: Figure & { name: string };
  /** ours / ref (time or memory). */
  ratio?: number;
  /** ours − ref, when the target is about added time. */
  added?: number;
  target?: string;
  /** true/false against the target; null when there is no target for this row. */
  met: boolean | null;
  note?: string;
}

export class WorkerError extends Error {}

/** Runs one job in a fresh bundled worker process. */
export function runWorker(ctx: Ctx, job: Job, env: NodeJS.ProcessEnv = ctx.env, nodeArgs: string[] = []): JobResult {
  const r = spawnSync(process.execPath, [...nodeArgs, ctx.worker, JSON.stringify(job)], {
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 600_000,
  });
  if (r.status !== 0 || !r.stdout) {
    throw new WorkerError(`${job.op} failed: ${(r.error?.message || r.stderr || `exit ${r.status}`).trim().split('\n')[0]}`);
  }
  return JSON.parse(r.stdout) as JobResult;
}

export function errorRow(c: number, name: string, err: unknown): Row {
  const msg = err instanceof Error ? err.message : String(err);
  return { case: c, name, status: 'error', met: null, note: msg.split('\n')[0].slice(0, 200) };
}
