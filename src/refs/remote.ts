// What the cloud secret-store providers (awssecrets, awsssm, s3, gcpsecrets, azurekeyvault) share: parameters as
// vals reads them, the class of a store's failure for the resolver's error, and one client per store
// configuration for all the references of a run.
import { createHash } from 'node:crypto';
import { refParam } from './parse.js';
import { RefFetchError, type ParsedRef, type RefContext, type RefFailure } from './types.js';
import { parseGoBool } from '../sops/goparse.js';

/** A parameter as vals reads it (the query, else VALS_<NAME>), '' when neither sets it. */
export function param(ref: ParsedRef, ctx: RefContext, name: string): string {
  return refParam(ref, name, ctx.env) ?? '';
}

/** Whether the query itself holds `name` (vals's Exists: the environment does not count). */
export function hasParam(ref: ParsedRef, name: string): boolean {
  return ref.params.has(name);
}

/** Go's strconv.ParseBool; anything else is false, as vals ignores the parse error. */
export function goBool(s: string): boolean {
  try {
    return parseGoBool(s);
  } catch {
    return false;
  }
}

export function malformed(message: string): RefFetchError {
  return new RefFetchError('malformed', message);
}

/**
 * A failed store call (as withRetries throws it: the message says why, the cause is the client's own error) as a
 * RefFetchError of the class `classify` gives the cause; a timeout or a network failure is `unreachable`.
 */
export function storeFailure(err: unknown, classify: (cause: unknown) => RefFailure | undefined): Error {
  if (err instanceof RefFetchError) return err;
  const cause = (err as { cause?: unknown })?.cause ?? err;
  const message = err instanceof Error ? err.message : String(err);
  let reason = classify(cause);
  if (!reason && (/^timed out after \d+ms/.test(message) || isNetworkCause(cause))) reason = 'unreachable';
  return new RefFetchError(reason ?? 'failed', message);
}

function isNetworkCause(err: unknown): boolean {
  const seen = new Set<unknown>();
  for (let e = err; e && typeof e === 'object' && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|ECONNABORTED|UND_ERR_\w+|REQUEST_SEND_ERROR)$/.test(code)) return true;
    const name = (e as { name?: unknown }).name;
    if (name === 'TimeoutError' || name === 'AbortError' || name === 'CallTimeoutError') return true;
  }
  return /ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|socket hang up|fetch failed/.test(String((err as { message?: unknown })?.message ?? ''));
}

/** A pool key for settings that may hold credentials: a digest, so the pool keeps no copy of them. */
export function settingsKey(parts: (string | undefined)[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/**
 * One client per key (store, region, credentials) while calls use it: the references of one run, fetched in
 * parallel, share a client and its connections. The client is closed once no call has used it for a turn of the
 * event loop (the resolver's next fetch starts before that), so nothing keeps the process alive after the run.
 */
export class ClientPool<C> {
  private readonly open = new Map<string, { client: Promise<C>; users: number }>();

  constructor(private readonly close: (client: C) => void | Promise<void>) {}

  /** Runs `fn` with the client open for `key`, made by `create` when none is. */
  async use<T>(key: string, create: () => Promise<C>, fn: (client: C) => Promise<T>): Promise<T> {
    let entry = this.open.get(key);
    if (!entry) {
      entry = { client: create(), users: 0 };
      // A client that could not be made is not kept: the next call tries again.
      entry.client.catch(() => this.open.get(key) === entry && this.open.delete(key));
      this.open.set(key, entry);
    }
    entry.users++;
    const current = entry;
    try {
      return await fn(await current.client);
    } finally {
      if (--current.users === 0) {
        setImmediate(() => {
          if (current.users !== 0 || this.open.get(key) !== current) return;
          this.open.delete(key);
          current.client.then(
            (client) => Promise.resolve(this.close(client)).catch(() => undefined),
            () => undefined,
          );
        });
      }
    }
  }
}
