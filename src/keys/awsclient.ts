// What every AWS client here shares, the KMS master key and the Secrets Manager, Parameter Store and S3
// references alike: region, endpoint and credentials from the environment, an assumed role through STS, which
// failures are worth another try, and how a service's error reads in one line.
import { isNetworkError, withRetries } from './retry.js';
import { sdk } from './sdk.js';

export type AwsCredentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

/** The service part of `AWS_ENDPOINT_URL_<SERVICE>` (the SDK's own spelling of each service id). */
export type AwsService = 'KMS' | 'STS' | 'SECRETS_MANAGER' | 'SSM' | 'S3';

export interface AwsClientConfig {
  region?: string;
  maxAttempts: number;
  endpoint?: string;
  profile?: string;
  credentials?: AwsCredentials;
}

/** Error names the services use for conditions that pass (throttling, internal faults). */
const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'KMSInternalException',
  'DependencyTimeoutException',
  'InternalFailure',
  'InternalServiceError',
  'InternalServerError',
  'InternalError',
  'SlowDown',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/**
 * Region, endpoint and credentials from `env`. The SDK's own retries are off (maxAttempts 1) so retry.ts alone
 * bounds the time spent. Explicit AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are used unless a profile is named,
 * as the SDK's chain does; AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, unless
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true. Without a region the SDK's own chain (AWS_REGION, the profile) decides.
 */
export function awsClientConfig(opts: { region?: string; profile?: string; env: NodeJS.ProcessEnv; service: AwsService }): AwsClientConfig {
  const { env } = opts;
  const cfg: AwsClientConfig = { maxAttempts: 1 };
  if (opts.region) cfg.region = opts.region;
  if (!/^true$/i.test(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? '')) {
    const endpoint = env[`AWS_ENDPOINT_URL_${opts.service}`] || env.AWS_ENDPOINT_URL;
    if (endpoint) cfg.endpoint = endpoint;
  }
  if (opts.profile) cfg.profile = opts.profile;
  else if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    cfg.credentials = {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };
  }
  return cfg;
}

/**
 * Credentials of `role`, assumed through STS with the credentials of `base` (its region, profile and keys), with
 * the bounded retries of retry.ts. The error names the role.
 */
export async function assumeAwsRole(
  role: string,
  sessionName: string,
  base: { region?: string; profile?: string },
  ctx: { env: NodeJS.ProcessEnv; timeoutMs?: number; attempts?: number },
): Promise<AwsCredentials> {
  quietAwsNodeVersionWarning();
  const { STSClient, AssumeRoleCommand } = sdk<typeof import('@aws-sdk/client-sts')>('@aws-sdk/client-sts');
  const sts = new STSClient(awsClientConfig({ ...base, env: ctx.env, service: 'STS' }));
  try {
    const out = await withRetries(
      ctx,
      (abortSignal) => sts.send(new AssumeRoleCommand({ RoleArn: role, RoleSessionName: sessionName }), { abortSignal }),
      isAwsTransient,
      (err) => explainAws(err, base.profile),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('STS returned no credentials');
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
  } catch (err) {
    throw new Error(`failed to assume role '${role}': ${(err as Error).message}`, { cause: (err as { cause?: unknown }).cause ?? err });
  } finally {
    sts.destroy();
  }
}

/**
 * The SDK prints a multi-line notice about Node 20 on first use, which would break the one-line stderr of every
 * command; a user who sets the variable either way keeps their choice. Call before making a client.
 */
export function quietAwsNodeVersionWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

export function isAwsTransient(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (e?.name && TRANSIENT_NAMES.has(e.name)) return true;
  const status = e?.$metadata?.httpStatusCode;
  if (status === 429 || (status !== undefined && status >= 500)) return true;
  if (e?.$retryable) return true;
  return isNetworkError(err);
}

/**
 * The service's error name and message in one line, e.g. "AccessDeniedException: User … is not authorized", and
 * which profile had no credentials, since the SDK does not say.
 */
export function explainAws(err: unknown, profile?: string): string {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  let msg = (e?.message ?? String(err)).replace(/\s*\r?\n\s*/g, ' ').trim();
  if (/CredentialsProviderError|Could not load credentials/.test(msg) || e?.name === 'CredentialsProviderError') {
    return `could not load AWS credentials${profile ? ` for profile "${profile}"` : ''}: ${msg.replace(/^(Error: )?CredentialsProviderError: /, '')}`;
  }
  // S3 answers a HEAD-less GET error with no body for some statuses: the SDK then has only the status.
  if ((msg === '' || msg === 'UnknownError') && e?.$metadata?.httpStatusCode) msg = `HTTP ${e.$metadata.httpStatusCode}`;
  if (e?.name && e.name !== 'Error' && !msg.startsWith(e.name)) return `${e.name}: ${msg || 'no message'}`;
  return msg;
}
