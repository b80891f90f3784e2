// `ref+vault://PATH/KEY` and `ref+vault://PATH#/KEY`: HashiCorp Vault's KV secrets engine, read as vals's vault
// provider reads it. Without a fragment the last path segment is the secret's key; with one the whole secret is the
// document. KV v1 and v2 are told apart as the Vault CLI does (GET sys/internal/ui/mounts/PATH: the mount and its
// `version` option; 404 means v1), v2 reads go to MOUNT/data/REST (`?version=N` picks a version).
// Address: `address`, else `proto`(https)://`host`, else VAULT_ADDR, else https://127.0.0.1:8200. Namespace:
// `namespace`, else VAULT_NAMESPACE. Auth (`auth_method`, else VAULT_AUTH_METHOD): token (VAULT_TOKEN, `token_env`,
// `token_file`, then VAULT_TOKEN_FILE or ~/.vault-token), approle (`role_id`/`secret_id` or VAULT_ROLE_ID/
// VAULT_SECRET_ID, mount VAULT_LOGIN_MOUNT_POINT or approle), kubernetes (the service-account JWT at
// VAULT_KUBERNETES_JWT_TOKEN_PATH or the in-pod path, role `role_id`/VAULT_ROLE_ID, mount
// VAULT_KUBERNETES_MOUNT_POINT or kubernetes), userpass (`username`/VAULT_USERNAME, `password_env`/`password_file`).
// One login per run. Where the token may go is the transit key's rule (src/keys/hcvault.ts checkDestination).
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { posix } from 'node:path';
import { checkDestination, tlsOptions, vaultRequest, type TlsSettings } from '../keys/hcvault.js';
import { isNetworkError, TransientError, withRetries } from '../keys/retry.js';
import { redactUrl } from '../redact.js';
import { fragmentPath, refParam } from './parse.js';
import { RefFetchError, type ParsedRef, type RefContext, type RefProvider } from './types.js';
import { fromPlain, goSprint } from './values.js';

const KUBERNETES_JWT = '/var/run/secrets/kubernetes.io/serviceaccount/token';

interface Client {
  address: string;
  named: boolean;
  namespace?: string;
  tls: TlsSettings;
}

interface Session extends Client {
  token: string;
}

/** A failure Vault answered, classed by its status; 429 and 5xx are transient (retried). */
class VaultAnswer extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function classify(err: unknown): RefFetchError {
  if (err instanceof RefFetchError) return err;
  const msg = (err as Error).message ?? String(err);
  if (err instanceof VaultAnswer || /\(status \d+\)/.test(msg)) {
    const status = err instanceof VaultAnswer ? err.status : Number(/\(status (\d+)\)/.exec(msg)![1]);
    if (status === 403 || status === 401) return new RefFetchError('denied', msg);
    if (status === 404) return new RefFetchError('not-found', msg);
    if (status === 429 || status >= 500) return new RefFetchError('unreachable', msg);
    return new RefFetchError('failed', msg);
  }
  if (/refusing to send|does not allow|is not sent to another server/.test(msg)) return new RefFetchError('denied', msg);
  if (/timed out|ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|socket hang up|fetch failed|network/i.test(msg)) {
    return new RefFetchError('unreachable', `Vault is unreachable: ${msg}`);
  }
  return new RefFetchError('failed', msg);
}

function clientFor(ref: ParsedRef, ctx: RefContext): Omit<Client, 'tls'> {
  const address = refParam(ref, 'address', ctx.env);
  const host = refParam(ref, 'host', ctx.env);
  const proto = refParam(ref, 'proto', ctx.env) ?? 'https';
  const named = !!address || !!host;
  const addr = (address || (host ? `${proto}://${host}` : ctx.env.VAULT_ADDR) || 'https://127.0.0.1:8200').replace(/\/+$/, '');
  try {
    new URL(addr);
  } catch {
    throw new RefFetchError('malformed', `invalid Vault address "${redactUrl(addr)}"`);
  }
  const namespace = refParam(ref, 'namespace', ctx.env) ?? (ctx.env.VAULT_NAMESPACE || undefined);
  return { address: addr, named, namespace };
}

async function call(
  c: Client,
  token: string | undefined,
  method: 'GET' | 'POST',
  path: string,
  body: Record<string, unknown> | undefined,
  ctx: RefContext,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const url = new URL(`${c.address}/v1/${path.replace(/^\/+/, '')}`);
  checkDestination({ vault_address: c.address, named: c.named }, url, !!token || body !== undefined, ctx.env);
  const headers: Record<string, string> = {};
  if (token) headers['x-vault-token'] = token;
  if (c.namespace) headers['x-vault-namespace'] = c.namespace;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return withRetries(
    ctx,
    async (signal) => {
      const res = await vaultRequest(method, url, headers, payload, c.tls, signal);
      let json: Record<string, unknown> = {};
      try {
        json = res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {};
      } catch {
        // An error page: the status says enough.
      }
      if (res.status === 429 || res.status >= 500) throw new TransientError(answerMessage(method, url, res.status, json));
      return { status: res.status, json };
    },
    (err) => isNetworkError(err),
  );
}

function answerMessage(method: string, url: URL, status: number, json: Record<string, unknown>): string {
  const errors = Array.isArray(json.errors) ? json.errors.filter((e) => typeof e === 'string') : [];
  const detail = status === 403 ? 'permission denied' : errors.length ? errors.join(', ') : `HTTP ${status}`;
  return `Vault ${method} ${url.pathname} failed: ${detail} (status ${status})`;
}

function fail(method: string, path: string, status: number, json: Record<string, unknown>): never {
  throw new VaultAnswer(status, answerMessage(method, new URL(`http://x/v1/${path}`), status, json));
}

async function readTrimmed(path: string): Promise<string> {
  return (await readFile(path, 'utf8')).trim();
}

/** The token for this reference's Vault: logged in once per run for each address, namespace and method. */
async function session(ref: ParsedRef, ctx: RefContext): Promise<Session> {
  const base = clientFor(ref, ctx);
  const env = ctx.env;
  const method = refParam(ref, 'auth_method', env) ?? (['approle', 'kubernetes', 'userpass'].includes(env.VAULT_AUTH_METHOD ?? '') ? env.VAULT_AUTH_METHOD! : 'token');
  const roleId = refParam(ref, 'role_id', env) ?? env.VAULT_ROLE_ID ?? '';
  const key = ['vault-login', base.address, base.namespace ?? '', method, roleId, refParam(ref, 'token_env', env) ?? '', refParam(ref, 'token_file', env) ?? '', refParam(ref, 'username', env) ?? ''].join('\0');
  const cache = ctx.runCache ?? new Map<string, unknown>();
  let p = cache.get(key) as Promise<Session> | undefined;
  if (!p) {
    p = (async () => {
      const tls = await tlsOptions(env);
      // As vals (and the Vault client) does for a local server: no certificate check on 127.0.0.1.
      if (base.address.includes('127.0.0.1')) tls.rejectUnauthorized = false;
      const c: Client = { ...base, tls };
      return { ...c, token: await login(method, roleId, ref, c, ctx) };
    })();
    p.catch(() => undefined);
    cache.set(key, p);
  }
  return p;
}

async function login(method: string, roleId: string, ref: ParsedRef, c: Client, ctx: RefContext): Promise<string> {
  const env = ctx.env;
  const loginAt = async (path: string, body: Record<string, unknown>): Promise<string> => {
    const { status, json } = await call(c, undefined, 'POST', path, body, ctx);
    if (status < 200 || status >= 300) fail('POST', path, status, json);
    const token = (json.auth as { client_token?: unknown } | undefined)?.client_token;
    if (typeof token !== 'string' || token === '') throw new RefFetchError('denied', `Vault login at ${path} returned no token`);
    return token;
  };
  const mountPath = (m: string) => posix.join('auth', m, 'login');
  switch (method) {
    case 'token': {
      let token = env.VAULT_TOKEN?.trim() ?? '';
      const tokenEnv = refParam(ref, 'token_env', env);
      if (tokenEnv) {
        token = env[tokenEnv]?.trim() ?? '';
        if (!token) throw new RefFetchError('denied', `token_env names ${tokenEnv}, which is not set`);
      }
      const tokenFile = refParam(ref, 'token_file', env);
      if (tokenFile) {
        try {
          token = await readTrimmed(tokenFile);
        } catch {
          throw new RefFetchError('denied', `cannot read the Vault token file ${tokenFile}`);
        }
      }
      if (!token) {
        const file = env.VAULT_TOKEN_FILE || (env.HOME || homedir() ? posix.join(env.HOME || homedir(), '.vault-token') : '');
        if (file) token = await readTrimmed(file).catch(() => '');
      }
      return token;
    }
    case 'approle':
      return loginAt(mountPath(env.VAULT_LOGIN_MOUNT_POINT ?? '/approle'), { role_id: roleId, secret_id: refParam(ref, 'secret_id', env) ?? env.VAULT_SECRET_ID ?? '' });
    case 'kubernetes': {
      const jwtPath = env.VAULT_KUBERNETES_JWT_TOKEN_PATH || KUBERNETES_JWT;
      let jwt: string;
      try {
        jwt = await readFile(jwtPath, 'utf8');
      } catch {
        throw new RefFetchError('denied', `cannot read the service account token file ${jwtPath}`);
      }
      return loginAt(mountPath(env.VAULT_KUBERNETES_MOUNT_POINT || '/kubernetes'), { jwt, role: roleId });
    }
    case 'userpass': {
      const user = refParam(ref, 'username', env) ?? env.VAULT_USERNAME ?? '';
      const passwordEnv = refParam(ref, 'password_env', env) ?? env.VAULT_PASSWORD_ENV;
      const passwordFile = refParam(ref, 'password_file', env) ?? env.VAULT_PASSWORD_FILE;
      let password = '';
      if (passwordEnv) {
        password = env[passwordEnv] ?? '';
        if (!password) throw new RefFetchError('denied', `password_env names ${passwordEnv}, which is not set`);
      } else if (passwordFile) {
        password = await readFile(passwordFile, 'utf8').catch(() => {
          throw new RefFetchError('denied', `cannot read the password file ${passwordFile}`);
        });
      }
      if (!password) throw new RefFetchError('denied', 'password missing for userpass authentication');
      return loginAt(posix.join(mountPath(env.VAULT_LOGIN_MOUNT_POINT ?? 'userpass'), user), { password });
    }
    default:
      throw new RefFetchError('malformed', `unsupported Vault auth method "${method}" (token, approle, kubernetes or userpass)`);
  }
}

interface MountInfo {
  mount: string;
  v2: boolean;
}

/** The KV mount holding `path` and its version, asked once per mount in a run. */
async function mountOf(s: Session, path: string, ctx: RefContext): Promise<MountInfo> {
  const cache = ctx.runCache ?? new Map<string, unknown>();
  const listKey = ['vault-mounts', s.address, s.namespace ?? ''].join('\0');
  let state = cache.get(listKey) as { known: MountInfo[]; busy?: Promise<unknown> } | undefined;
  if (!state) {
    state = { known: [] };
    cache.set(listKey, state);
  }
  const known = () => state.known.find((m) => m.mount !== '' && `${path}/`.startsWith(m.mount.endsWith('/') ? m.mount : `${m.mount}/`));
  // One question at a time per server: references under one mount, fetched in parallel, wait for the first answer.
  for (;;) {
    const hit = known();
    if (hit) return hit;
    if (!state.busy) break;
    await state.busy.catch(() => undefined);
  }
  const asking = (async () => {
    const at = `sys/internal/ui/mounts/${path}`;
    const { status, json } = await call(s, s.token, 'GET', at, undefined, ctx);
    if (status === 404) return { mount: '', v2: false };
    if (status < 200 || status >= 300) fail('GET', at, status, json);
    const data = (json.data ?? {}) as { path?: unknown; options?: { version?: unknown } | null };
    const info = { mount: typeof data.path === 'string' ? data.path : '', v2: data.options?.version === '2' };
    if (info.mount !== '') state.known.push(info);
    return info;
  })();
  state.busy = asking;
  try {
    return await asking;
  } finally {
    if (state.busy === asking) state.busy = undefined;
  }
}

/** vals's v2 path: MOUNT/data/REST. */
function dataPath(path: string, mount: string): string {
  if (path === mount || path === mount.replace(/\/$/, '')) return posix.join(mount, 'data');
  return posix.join(mount, 'data', path.startsWith(mount) ? path.slice(mount.length) : path);
}

async function readSecret(ref: ParsedRef, path: string, ctx: RefContext): Promise<Record<string, unknown>> {
  const s = await session(ref, ctx);
  const { mount, v2 } = await mountOf(s, path, ctx);
  let at = v2 ? dataPath(path, mount) : path;
  const version = refParam(ref, 'version', ctx.env);
  if (version) at += `?version=${encodeURIComponent(version)}`;
  const { status, json } = await call(s, s.token, 'GET', at, undefined, ctx);
  if (status === 404) throw new RefFetchError('not-found', `no secret found for path "${path}"`);
  if (status < 200 || status >= 300) fail('GET', at.replace(/\?.*$/, ''), status, json);
  let data = json.data as Record<string, unknown> | null | undefined;
  if (v2 && data && typeof data === 'object') {
    const inner = data.data;
    // A deleted or destroyed version answers with metadata only.
    if (inner === null || inner === undefined) throw new RefFetchError('not-found', `no secret found for path "${path}" (deleted version)`);
    if (typeof inner === 'object') data = inner as Record<string, unknown>;
  }
  if (!data || typeof data !== 'object') throw new RefFetchError('not-found', `no secret found for path "${path}"`);
  return data;
}

export const provider: RefProvider = {
  async fetch(ref: ParsedRef, ctx: RefContext): Promise<unknown> {
    try {
      if (fragmentPath(ref) !== '') return JSON.stringify(await readSecret(ref, ref.key, ctx));
      const parts = ref.key.split('/');
      const field = parts.pop()!;
      const path = parts.join('/');
      if (path === '' || field === '') throw new RefFetchError('malformed', 'a Vault reference without a fragment needs PATH/KEY');
      const secret = await readSecret(ref, path, ctx);
      if (!Object.prototype.hasOwnProperty.call(secret, field)) throw new RefFetchError('not-found', `key "${field}" does not exist in "${path}"`);
      const text = goSprint(fromPlain(secret[field]));
      const decode = refParam(ref, 'decode', ctx.env) ?? 'raw';
      if (decode === 'raw' || decode === '') return text;
      if (decode === 'base64') {
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new RefFetchError('failed', `base64 decode failed for key "${field}"`);
        return Buffer.from(text, 'base64').toString('utf8');
      }
      throw new RefFetchError('malformed', `unsupported decode parameter "${decode}" (raw or base64)`);
    } catch (err) {
      throw classify(err);
    }
  },
};
