// The Google Cloud KMS master key: Encrypt/Decrypt with the key's resource id over gRPC (or REST),
// with sops's credential sources (GOOGLE_CREDENTIALS, GOOGLE_OAUTH_ACCESS_TOKEN, then application defaults).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isNetworkError, retrySettings, withRetries } from './retry.js';
import { nowRfc3339 } from '../clock.js';
import { sdk } from './sdk.js';
import type { KeyContext, KeyEntry, KeyOps, KeySpec } from './types.js';

const RESOURCE_RE = /^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/;

/** gRPC status codes worth another try: DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNAVAILABLE. */
const TRANSIENT_CODES = new Set([4, 8, 10, 13, 14]);
const CODE_NAMES: Record<number, string> = {
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  10: 'ABORTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  16: 'UNAUTHENTICATED',
};

/** sops's resource-id list syntax: comma-separated, spaces removed. */
export function parseGcpKmsIds(raw: string): { resource_id: string }[] {
  if (raw === '') return [];
  return raw.split(',').map((s) => ({ resource_id: s.replace(/ /g, '') }));
}

export const gcpKmsKind: KeyOps = {
  async wrap(spec: KeySpec, part: Uint8Array, ctx: KeyContext): Promise<KeyEntry> {
    const name = String(spec.fields.resource_id ?? '').replace(/ /g, '');
    const res = await kmsCall(name, ctx, 'encrypt', { name, plaintext: Buffer.from(part) });
    if (!res.ciphertext) throw new Error('GCP KMS returned no ciphertext');
    return {
      kind: spec.kind,
      fields: { created_at: nowRfc3339(), enc: Buffer.from(res.ciphertext).toString('base64'), resource_id: name },
    };
  },

  async unwrap(entry: KeyEntry, ctx: KeyContext): Promise<Uint8Array | null> {
    const enc = entry.fields.enc;
    if (typeof enc !== 'string' || enc === '') throw new Error('the entry has no enc value');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(enc)) throw new Error('the enc value is not base64');
    const name = String(entry.fields.resource_id ?? '');
    const res = await kmsCall(name, ctx, 'decrypt', { name, ciphertext: Buffer.from(enc, 'base64') });
    if (!res.plaintext) throw new Error('GCP KMS returned no plaintext');
    return new Uint8Array(res.plaintext);
  },
};

interface KmsResponse {
  ciphertext?: Uint8Array | string | null;
  plaintext?: Uint8Array | string | null;
}

async function kmsCall(
  name: string,
  ctx: KeyContext,
  method: 'encrypt' | 'decrypt',
  request: Record<string, unknown>,
): Promise<{ ciphertext?: Buffer; plaintext?: Buffer }> {
  if (!RESOURCE_RE.test(name)) throw new Error(`no valid resource ID found in "${name}"`);
  const { client, headers } = await newClient(ctx);
  try {
    const res = await withRetries(
      ctx,
      async (signal) => {
        const call = (client as unknown as Record<string, (r: unknown, o: unknown) => Promise<[KmsResponse]>>)[method].bind(client);
        const aborted = new Promise<never>((_, reject) => { signal.addEventListener('abort', () => { reject(signal.reason as Error); }, { once: true }); },
        );
        aborted.catch(() => undefined);
        const [out] = await Promise.race([call(request, { retry: null, timeout: retrySettings(ctx).timeoutMs, otherArgs: { headers } }), aborted]);
        return out;
      },
      isTransient,
      explain,
    );
    const bytes = (v: Uint8Array | string | null | undefined) =>
      v == null ? undefined : typeof v === 'string' ? Buffer.from(v, 'base64') : Buffer.from(v);
    return { ciphertext: bytes(res.ciphertext), plaintext: bytes(res.plaintext) };
  } finally {
    await client.close().catch(() => undefined);
  }
}

type KmsClient = import('@google-cloud/kms').KeyManagementServiceClient;

/**
 * A client configured like sops's: SOPS_GCP_KMS_ENDPOINT (host:port; an `http://` prefix means a
 * plaintext channel, for local servers), else SOPS_GCP_KMS_UNIVERSE_DOMAIN; SOPS_GCP_KMS_CLIENT_TYPE=rest
 * for the REST transport. Credentials: GOOGLE_CREDENTIALS (a file path or the JSON itself), then
 * GOOGLE_OAUTH_ACCESS_TOKEN, then application default credentials.
 */
async function newClient(ctx: KeyContext): Promise<{ client: KmsClient; headers: Record<string, string> }> {
  const env = ctx.env;
  const { KeyManagementServiceClient } = sdk<typeof import('@google-cloud/kms')>('@google-cloud/kms');
  const opts: Record<string, unknown> = {};
  const headers: Record<string, string> = {};
  let insecure = false;

  const endpoint = env.SOPS_GCP_KMS_ENDPOINT?.trim();
  if (endpoint) {
    const u = new URL(/^[a-z]+:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`);
    insecure = u.protocol === 'http:';
    opts.apiEndpoint = u.hostname;
    opts.port = Number(u.port || (insecure ? 80 : 443));
  } else if (env.SOPS_GCP_KMS_UNIVERSE_DOMAIN) {
    opts.universeDomain = env.SOPS_GCP_KMS_UNIVERSE_DOMAIN;
  }
  const rest = (env.SOPS_GCP_KMS_CLIENT_TYPE ?? '').toLowerCase() === 'rest';
  if (rest) {
    opts.fallback = true;
    if (insecure) opts.protocol = 'http';
  }

  const credentialsJson = googleCredentials(env);
  const token = env.GOOGLE_OAUTH_ACCESS_TOKEN;
  if (credentialsJson) {
    try {
      opts.credentials = JSON.parse(credentialsJson);
    } catch {
      throw new Error('credentials: GOOGLE_CREDENTIALS is neither a readable file nor JSON');
    }
  } else if (token) {
    const auth = new (authLibrary().OAuth2Client)();
    auth.setCredentials({ access_token: token });
    opts.authClient = auth;
    // A plaintext gRPC channel carries no call credentials, so the token rides as metadata instead.
    if (insecure && !rest) headers.authorization = `Bearer ${token}`;
  }
  if (insecure && !rest) {
    const { grpc } = sdk<typeof import('google-gax')>('google-gax');
    opts.sslCreds = grpc.credentials.createInsecure();
  }
  return { client: new KeyManagementServiceClient(opts as ConstructorParameters<typeof KeyManagementServiceClient>[0]), headers };
}

/**
 * google-auth-library as google-gax itself resolves it: the same copy the client uses, loaded at run
 * time from beside google-gax so the bundler leaves it out of the CLI bundle like the SDK.
 */
function authLibrary(): typeof import('google-auth-library') {
  const here = createRequire(import.meta.url);
  return createRequire(here.resolve('google-gax'))('google-auth-library') as typeof import('google-auth-library');
}

/** GOOGLE_CREDENTIALS: the path of a credentials file, or the JSON as the value. */
function googleCredentials(env: NodeJS.ProcessEnv): string | undefined {
  const v = env.GOOGLE_CREDENTIALS;
  if (!v) return undefined;
  if (existsSync(v)) {
    try {
      return readFileSync(v, 'utf8');
    } catch (err) {
      throw new Error(`credentials: failed to read GOOGLE_CREDENTIALS file: ${(err as Error).message}`);
    }
  }
  return v;
}

function isTransient(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'number') return TRANSIENT_CODES.has(code) || code === 429 || (code >= 500 && code < 600);
  return isNetworkError(err);
}

function explain(err: unknown): string {
  const e = err as { code?: unknown; details?: unknown; message?: string };
  const code = typeof e?.code === 'number' ? (CODE_NAMES[e.code] ?? String(e.code)) : '';
  let detail = String(e?.details || e?.message || err).replace(/\s*\r?\n\s*/g, ' ').trim();
  // The REST transport may hand back the service's JSON error body as the message.
  try {
    const body = JSON.parse(detail) as { error?: { message?: string; status?: string } };
    if (body.error?.message) detail = body.error.status ? `${body.error.status}: ${body.error.message}` : body.error.message;
  } catch {
    // Not JSON: keep the message as it is.
  }
  return code && !detail.includes(code) ? `${code}: ${detail}` : detail;
}
