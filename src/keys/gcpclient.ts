// What every Google Cloud client here shares, the Cloud KMS master key and the Secret Manager references alike:
// endpoint (an `http://` one is a plaintext channel, for local servers), transport, the credential sources sops
// reads (GOOGLE_CREDENTIALS, GOOGLE_OAUTH_ACCESS_TOKEN, then application default credentials), one unary call
// with the bounded retries of retry.ts, and how a gRPC or REST error reads in one line.
import { existsSync, readFileSync } from 'node:fs';
import { isNetworkError, retrySettings, withRetries } from './retry.js';
import { sdk } from './sdk.js';
import type { KeyContext } from './types.js';

/** gRPC status codes worth another try: DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNAVAILABLE. */
const TRANSIENT_CODES = new Set([4, 8, 10, 13, 14]);
const CODE_NAMES: Record<number, string> = {
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  10: 'ABORTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  16: 'UNAUTHENTICATED',
};

export interface GcpEndpointSettings {
  /** host:port, or a URL; `http://` means a plaintext channel. */
  endpoint?: string;
  universeDomain?: string;
  /** The REST transport instead of gRPC. */
  rest?: boolean;
}

/**
 * Constructor options for a google-gax client and the headers every call sends (a plaintext gRPC channel
 * carries no call credentials, so an access token rides as metadata instead).
 */
export function gcpClientOptions(env: NodeJS.ProcessEnv, where: GcpEndpointSettings): { opts: Record<string, unknown>; headers: Record<string, string> } {
  const opts: Record<string, unknown> = {};
  const headers: Record<string, string> = {};
  let insecure = false;
  const endpoint = where.endpoint?.trim();
  if (endpoint) {
    const u = new URL(/^[a-z]+:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`);
    insecure = u.protocol === 'http:';
    opts.apiEndpoint = u.hostname;
    opts.port = Number(u.port || (insecure ? 80 : 443));
  } else if (where.universeDomain) {
    opts.universeDomain = where.universeDomain;
  }
  const rest = where.rest === true;
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
    if (insecure && !rest) headers.authorization = `Bearer ${token}`;
  }
  if (insecure && !rest) {
    const { grpc } = sdk<typeof import('google-gax')>('google-gax');
    opts.sslCreds = grpc.credentials.createInsecure();
  }
  return { opts, headers };
}

/**
 * One unary call `method(request)` on a google-gax client, with the gax's own retries off, the per-call timeout,
 * and retry.ts's attempts; the result is the response message.
 */
export async function gcpUnary<R>(
  client: object,
  method: string,
  request: Record<string, unknown>,
  headers: Record<string, string>,
  ctx: KeyContext,
): Promise<R> {
  return withRetries(
    ctx,
    async (signal) => {
      const call = (client as Record<string, (r: unknown, o: unknown) => Promise<[R]>>)[method].bind(client);
      const aborted = new Promise<never>((_, reject) => { signal.addEventListener('abort', () => { reject(signal.reason as Error); }, { once: true }); });
      aborted.catch(() => undefined);
      const [out] = await Promise.race([call(request, { retry: null, timeout: retrySettings(ctx).timeoutMs, otherArgs: { headers } }), aborted]);
      return out;
    },
    isGcpTransient,
    explainGcp,
  );
}

/**
 * google-auth-library, loaded at run time like the SDK (the bundler leaves it out of the CLI bundle): the copy
 * google-gax uses (npm hoists one; a packaged plugin bundles the Google packages together).
 */
function authLibrary(): typeof import('google-auth-library') {
  return sdk<typeof import('google-auth-library')>('google-auth-library');
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

/** The gRPC status code of a failed call (the cause withRetries keeps), if it has one. */
export function gcpCode(err: unknown): number | undefined {
  const cause = (err as { cause?: { code?: unknown } })?.cause;
  const code = cause?.code ?? (err as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

function isGcpTransient(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'number') return TRANSIENT_CODES.has(code) || code === 429 || (code >= 500 && code < 600);
  return isNetworkError(err);
}

function explainGcp(err: unknown): string {
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
