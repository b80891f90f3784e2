// The HashiCorp Vault / OpenBao transit master key: POST <address>/v1/<engine>/encrypt|decrypt/<key>
// over plain HTTP(S) with the user's Vault token, the `vault:vN:…` ciphertext kept as sops keeps it.
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { redactUrl } from '../redact.js';
import { isNetworkError, TransientError, withRetries } from './retry.js';
import { nowRfc3339 } from '../clock.js';
import type { KeyContext, KeyEntry, KeyFields, KeyOps, KeySpec } from './types.js';

export interface VaultKeyRef {
  vault_address: string;
  engine_path: string;
  key_name: string;
}

export const hcVaultKind: KeyOps = {
  async wrap(spec: KeySpec, part: Uint8Array, ctx: KeyContext): Promise<KeyEntry> {
    const ref = refFromFields(spec.fields, ctx);
    const data = await transit(ref, 'encrypt', { plaintext: Buffer.from(part).toString('base64') }, ctx);
    const enc = data.ciphertext;
    if (typeof enc !== 'string' || enc === '') throw new Error('Vault returned no ciphertext');
    return {
      kind: spec.kind,
      fields: { created_at: nowRfc3339(), enc, engine_path: ref.engine_path, key_name: ref.key_name, vault_address: ref.vault_address },
    };
  },

  async unwrap(entry: KeyEntry, ctx: KeyContext): Promise<Uint8Array | null> {
    const enc = entry.fields.enc;
    if (typeof enc !== 'string' || enc === '') throw new Error('the entry has no enc value');
    const ref = refFromFields(entry.fields, ctx);
    const data = await transit(ref, 'decrypt', { ciphertext: enc }, ctx);
    if (typeof data.plaintext !== 'string') throw new Error('Vault returned no plaintext');
    return new Uint8Array(Buffer.from(data.plaintext, 'base64'));
  },
};

/** The key's address and whether it came from the key itself (the file, or .sops.yaml) rather than VAULT_ADDR. */
function refFromFields(f: KeyFields, ctx: KeyContext): VaultKeyRef & { named: boolean } {
  const named = String(f.vault_address ?? '') !== '';
  const address = String(f.vault_address ?? '') || ctx.env.VAULT_ADDR || '';
  const ref = { vault_address: address.replace(/\/+$/, ''), engine_path: String(f.engine_path ?? ''), key_name: String(f.key_name ?? ''), named };
  if (!ref.vault_address) throw new Error('no Vault address: the key has none and VAULT_ADDR is not set');
  if (!ref.engine_path || !ref.key_name) throw new Error('the Vault key needs engine_path and key_name');
  return ref;
}

const ALLOWLIST = 'SOPS_HC_VAULT_ALLOWLIST';

/** SOPS_HC_VAULT_ALLOWLIST as sops reads it: `all`, `none`, or comma-separated URL prefixes; undefined when unset. */
function allowlist(env: NodeJS.ProcessEnv): 'all' | string[] | undefined {
  const raw = env[ALLOWLIST];
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'all') return 'all';
  if (raw === 'none') return [];
  return raw.split(',').map((item, i) => {
    const p = item.trim();
    if (p === '') throw new Error(`${ALLOWLIST}'s entry ${i + 1} is empty`);
    return p.endsWith('/') ? p : `${p}/`;
  });
}

const listed = (prefixes: string[], address: string) => prefixes.some((p) => (address.endsWith('/') ? address : `${address}/`).startsWith(p));

function origin(address: string): string {
  try {
    return new URL(address).origin;
  } catch {
    return address;
  }
}

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(h) || h === '::1';
}

/**
 * Where the Vault token may go. The address comes from the encrypted file, which may not be trusted, so on top of
 * sops's SOPS_HC_VAULT_ALLOWLIST (`all` by default): (1) when VAULT_ADDR is set and the key names another server,
 * that server must be allow-listed (`all` included); (2) a token never goes over plain http to a non-loopback host
 * unless that address itself is listed (`all` does not count). Throws a message naming the variable that allows it.
 */
export function checkDestination(ref: Pick<VaultKeyRef, 'vault_address'> & { named: boolean }, url: URL, willSendToken: boolean, env: NodeJS.ProcessEnv): void {
  const list = allowlist(env);
  const address = ref.vault_address;
  const shown = redactUrl(address);
  if (Array.isArray(list) && !listed(list, address)) throw new Error(`${ALLOWLIST} does not allow ${shown}`);
  const vaultAddr = env.VAULT_ADDR?.trim();
  if (ref.named && vaultAddr && origin(vaultAddr) !== origin(address) && list === undefined) {
    throw new Error(
      `the key names Vault ${shown}, not VAULT_ADDR (${redactUrl(vaultAddr)}): the Vault token is not sent to another server unless ${ALLOWLIST} lists it`,
    );
  }
  if (willSendToken && url.protocol === 'http:' && !isLoopback(url.hostname) && !(Array.isArray(list) && listed(list, address))) {
    throw new Error(`refusing to send the Vault token over plain http to ${shown}: use https, or list this address in ${ALLOWLIST}`);
  }
}

/** VAULT_TOKEN, else the token file (~/.vault-token) as the Vault client reads it. */
async function vaultToken(env: NodeJS.ProcessEnv): Promise<string> {
  if (env.VAULT_TOKEN) return env.VAULT_TOKEN.trim();
  const home = env.HOME || homedir();
  try {
    return (await readFile(join(home, '.vault-token'), 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new Error(`cannot read the Vault token file: ${(err as Error).message}`);
  }
}

async function transit(
  ref: VaultKeyRef & { named: boolean },
  op: 'encrypt' | 'decrypt',
  body: Record<string, string>,
  ctx: KeyContext,
): Promise<Record<string, unknown>> {
  const url = new URL(`${ref.vault_address}/v1/${[ref.engine_path, op, ref.key_name].join('/').replace(/\/+/g, '/')}`);
  const token = await vaultToken(ctx.env);
  checkDestination(ref, url, token !== '', ctx.env);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers['x-vault-token'] = token;
  if (ctx.env.VAULT_NAMESPACE) headers['x-vault-namespace'] = ctx.env.VAULT_NAMESPACE;
  const tls = await tlsOptions(ctx.env);
  const payload = JSON.stringify(body);

  return withRetries(
    ctx,
    async (signal) => {
      const res = await post(url, headers, payload, tls, signal);
      let json: { data?: Record<string, unknown>; errors?: unknown[] } = {};
      try {
        json = res.body ? (JSON.parse(res.body) as typeof json) : {};
      } catch {
        // An error page instead of JSON: the status says enough.
      }
      if (res.status >= 200 && res.status < 300) {
        if (!json.data) throw new Error('transit backend is empty');
        return json.data;
      }
      const detail = Array.isArray(json.errors) && json.errors.length ? json.errors.join(', ') : `HTTP ${res.status}`;
      const msg = `Vault ${op} at ${url.pathname} failed: ${res.status === 403 ? 'permission denied (check VAULT_TOKEN)' : detail} (status ${res.status})`;
      if (res.status === 429 || res.status === 412 || res.status >= 500) throw new TransientError(msg);
      throw new Error(msg);
    },
    (err) => isNetworkError(err),
  );
}

export interface TlsSettings {
  ca?: Buffer;
  rejectUnauthorized?: boolean;
}

/** VAULT_CACERT (a PEM file) and VAULT_SKIP_VERIFY, as the Vault CLI reads them. */
export async function tlsOptions(env: NodeJS.ProcessEnv): Promise<TlsSettings> {
  const out: TlsSettings = {};
  if (env.VAULT_CACERT) out.ca = await readFile(env.VAULT_CACERT);
  if (env.VAULT_SKIP_VERIFY && /^(1|t|true)$/i.test(env.VAULT_SKIP_VERIFY)) out.rejectUnauthorized = false;
  return out;
}

function post(
  url: URL,
  headers: Record<string, string>,
  payload: string,
  tls: TlsSettings,
  signal: AbortSignal,
): Promise<{ status: number; body: string }> {
  return vaultRequest('POST', url, headers, payload, tls, signal);
}

/** One HTTP(S) call to Vault (the transit key here, the KV reference provider in src/refs/vault.ts). */
export function vaultRequest(
  method: 'GET' | 'POST',
  url: URL,
  headers: Record<string, string>,
  payload: string | undefined,
  tls: TlsSettings,
  signal: AbortSignal,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const length: Record<string, number> = payload === undefined ? {} : { 'content-length': Buffer.byteLength(payload) };
    const req = send(url, { method, headers: { ...headers, ...length }, signal, ...(url.protocol === 'https:' ? tls : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }); });
      res.on('error', reject);
    });
    req.on('error', (err) => { reject(signal.aborted && signal.reason instanceof Error ? signal.reason : err); });
    req.end(payload);
  });
}
