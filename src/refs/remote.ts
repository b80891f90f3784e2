// What the cloud secret-store providers (awssecrets, awsssm, s3, gcpsecrets, azurekeyvault) share: the key a
// reference names as vals forms it, parameters with vals's VALS_<NAME> fallback, the refusal of a malformed
// reference, and one client per store configuration for all the references of a run.
import { createHash } from 'node:crypto';
import type { ParsedRef, RefContext } from './types.js';

/** A reference that cannot name anything in its store: refused before any call. */
export class MalformedRefError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedRefError';
  }
}

/**
 * The key vals hands a provider: the host and the path joined by one `/` (`ref+awsssm://foo/bar` is `foo/bar`;
 * `ref+awssecrets:///x` is `/x`), the path percent-decoded as Go's url.Parse decodes it.
 */
export function refKey(ref: ParsedRef): string {
  let path: string;
  try {
    path = decodeURIComponent(ref.path);
  } catch {
    throw new MalformedRefError('the path has an invalid percent-escape');
  }
  if (ref.host === '') return path;
  const rest = path.startsWith('/') ? path.slice(1) : path;
  return rest === '' ? ref.host : `${ref.host}/${rest}`;
}

/**
 * A parameter as vals reads it: the query's first value (present but empty stays empty), else the environment's
 * `VALS_<NAME>`, else ''.
 */
export function param(ref: ParsedRef, ctx: RefContext, name: string): string {
  const v = ref.params.get(name);
  if (v !== null) return v;
  return ctx.env[`VALS_${name.toUpperCase()}`] ?? '';
}

/** Whether the query itself holds `name` (vals's Exists: the environment does not count). */
export function hasParam(ref: ParsedRef, name: string): boolean {
  return ref.params.has(name);
}

/** Go's strconv.ParseBool; anything else is false, as vals ignores the parse error. */
export function goBool(s: string): boolean {
  return ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s);
}

/**
 * One client per key (store, region, credentials) while calls use it: the references of one run, fetched in
 * parallel, share a client and its connections, and the client is closed once the last call is done, so nothing
 * keeps the process alive after the run.
 */
export class ClientPool<C> {
  private readonly open = new Map<string, { client: Promise<C>; users: number }>();

  constructor(private readonly close: (client: C) => void | Promise<void>) {}

  /** Runs `fn` with the client open for `key`, made by `create` when none is. */
  async use<T>(key: string, create: () => Promise<C>, fn: (client: C) => Promise<T>): Promise<T> {
    let entry = this.open.get(key);
    if (!entry) {
      entry = { client: create(), users: 0 };
      this.open.set(key, entry);
    }
    entry.users++;
    const current = entry;
    try {
      return await fn(await current.client);
    } finally {
      if (--current.users === 0 && this.open.get(key) === current) {
        this.open.delete(key);
        const client = await current.client.catch(() => undefined);
        if (client !== undefined) await Promise.resolve(this.close(client)).catch(() => undefined);
      }
    }
  }
}

/** A pool key for settings that may hold credentials: a digest, so the pool keeps no copy of them. */
export function settingsKey(parts: (string | undefined)[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}
