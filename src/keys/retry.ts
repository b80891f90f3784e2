// Bounded retries with backoff and a per-call timeout for the cloud and Vault key services, so a
// service that errors, throttles or hangs costs a known amount of time before the next master key is tried.
import { errorMessage } from '../errors.js';
import type { KeyContext } from './types.js';

/** Per-call timeout when neither the context nor the environment sets one. */
export const DEFAULT_TIMEOUT_MS = 20_000;
/** Calls per key operation (first try plus retries) when nothing else is set. */
export const DEFAULT_ATTEMPTS = 3;
const BASE_DELAY_MS = 200;
const MAX_DELAY_MS = 2_000;

export interface RetrySettings {
  timeoutMs: number;
  attempts: number;
}

/**
 * Settings for one key operation: KeyContext first, then HELM_SECRETS_KEY_SERVICE_TIMEOUT
 * (a Go-style duration such as `30s`, `1500ms`, `1m`, or plain seconds) and
 * HELM_SECRETS_KEY_SERVICE_ATTEMPTS (an integer ≥ 1), then the defaults.
 */
export function retrySettings(ctx: KeyContext): RetrySettings {
  const timeoutMs = ctx.timeoutMs ?? parseDuration(ctx.env.HELM_SECRETS_KEY_SERVICE_TIMEOUT) ?? DEFAULT_TIMEOUT_MS;
  const attempts = ctx.attempts ?? parseAttempts(ctx.env.HELM_SECRETS_KEY_SERVICE_ATTEMPTS) ?? DEFAULT_ATTEMPTS;
  return { timeoutMs: Math.max(1, timeoutMs), attempts: Math.max(1, Math.floor(attempts)) };
}

/** Parses `30s`, `250ms`, `1m30s`, `2h` or a bare number of seconds; undefined when unset or invalid. */
export function parseDuration(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const s = raw.trim();
  if (s === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = s;
  while (rest !== '') {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * unit[m[2]];
    rest = rest.slice(m[0].length);
  }
  return Math.round(total);
}

function parseAttempts(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw.trim());
  return Number.isInteger(n) && n >= 1 ? n : undefined;
}

/** A failure a kind has judged worth retrying (network, 5xx, throttling, timeout). */
export class TransientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransientError';
  }
}

/** Thrown when a call outlives its timeout; always transient. */
export class CallTimeoutError extends TransientError {
  constructor(ms: number) {
    super(`timed out after ${ms}ms`);
    this.name = 'CallTimeoutError';
  }
}

/**
 * Runs `call` up to `attempts` times. Each call gets an AbortSignal that fires at the timeout, and
 * the wait for it is cut at the timeout even when the client ignores the signal. Only failures for
 * which `transient(err)` holds are retried, after an exponential backoff with jitter. The final error
 * message is the last cause as `explain` words it, plus the attempt count when more than one call was made.
 */
export async function withRetries<T>(
  ctx: KeyContext,
  call: (signal: AbortSignal) => Promise<T>,
  transient: (err: unknown) => boolean,
  explain: (err: unknown) => string = messageOf,
): Promise<T> {
  const { timeoutMs, attempts } = retrySettings(ctx);
  let last: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return await callWithTimeout(call, timeoutMs);
    } catch (err) {
      last = err;
      const retry = err instanceof CallTimeoutError || err instanceof TransientError || transient(err);
      if (!retry || attempt === attempts) {
        const cause = err instanceof CallTimeoutError ? err.message : explain(err);
        // The service's own error rides along as the cause, for callers that tell "not found" from the rest.
        throw new Error(attempt > 1 ? `${cause} (after ${attempt} attempts)` : cause, { cause: err });
      }
      await sleep(backoff(attempt));
    }
  }
  throw last instanceof Error ? last : new Error(String(last));
}

async function callWithTimeout<T>(call: (signal: AbortSignal) => Promise<T>, timeoutMs: number): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const e = new CallTimeoutError(timeoutMs);
      controller.abort(e);
      reject(e);
    }, timeoutMs);
  });
  try {
    const running = call(controller.signal);
    // A late rejection after the timeout won must not become an unhandled rejection.
    running.catch(() => undefined);
    return await Promise.race([running, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function backoff(attempt: number): number {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One-line message of anything thrown, without stack or newlines. */
export function messageOf(err: unknown): string {
  const msg = errorMessage(err);
  return msg.replace(/\s*\r?\n\s*/g, ' ').trim() || (err instanceof Error ? err.name : 'unknown error');
}

/** True for errors from the network layer itself: refused, reset, DNS, TLS, sockets closed early. */
export function isNetworkError(err: unknown): boolean {
  const seen = new Set<unknown>();
  let e: unknown = err;
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|UND_ERR_\w+|ECONNABORTED)$/.test(code)) {
      return true;
    }
    const name = (e as { name?: unknown }).name;
    if (name === 'TimeoutError' || name === 'AbortError') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return /fetch failed|socket hang up|ECONNREFUSED|ECONNRESET|network/i.test(messageOf(err));
}
