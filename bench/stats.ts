// Side-by-side timing: the contenders of a case run interleaved in one session (ABBA order), so drift on a
// noisy machine (CPU boost, page cache, neighbours) hits each equally; figures are medians.

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Runs every contender `runs` times, interleaved: A B, B A, A B ... after one discarded warm-up each.
 * Returns each contender's samples.
 */
export function alternate<T>(runs: number, contenders: (() => T)[]): T[][] {
  for (const c of contenders) c();
  const out: T[][] = contenders.map(() => []);
  for (let i = 0; i < runs; i++) {
    const order = contenders.map((_, j) => j);
    if (i % 2) order.reverse();
    for (const j of order) out[j].push(contenders[j]());
  }
  return out;
}

/** Wall time of a synchronous action, in ms. */
export function time(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
