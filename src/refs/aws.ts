// What the three AWS providers (awssecrets, awsssm, s3) share: vals's `region`, `profile` and `role_arn`
// parameters and its environment (AWS_REGION / AWS_DEFAULT_REGION, FORCE_AWS_PROFILE with AWS_PROFILE), one client
// per service and settings for a run, and every call with the bounded retries of the key services.
import { assumeAwsRole, awsClientConfig, explainAws, isAwsTransient, quietAwsNodeVersionWarning, type AwsService } from '../keys/awsclient.js';
import { withRetries } from '../keys/retry.js';
import { sdk } from '../keys/sdk.js';
import { ClientPool, param, settingsKey, storeFailure } from './remote.js';
import type { ParsedRef, RefContext, RefFailure } from './types.js';

export interface AwsRefSettings {
  region?: string;
  profile?: string;
  role?: string;
}

/** Something with the SDK's `send(command, { abortSignal })` and `destroy()`. */
interface AwsClient {
  send(command: unknown, options: { abortSignal: AbortSignal }): Promise<unknown>;
  destroy(): void;
}

/**
 * The reference's settings: `region` (else `ownRegion`, the region an ARN names, else AWS_REGION, then
 * AWS_DEFAULT_REGION, else the SDK's chain), `profile` (else AWS_PROFILE when FORCE_AWS_PROFILE=true, as vals
 * does), `role_arn`; each of them also from VALS_<NAME> as vals reads parameters.
 */
export function awsSettings(ref: ParsedRef, ctx: RefContext, ownRegion?: string): AwsRefSettings {
  const s: AwsRefSettings = {};
  const region = param(ref, ctx, 'region') || ownRegion || ctx.env.AWS_REGION || ctx.env.AWS_DEFAULT_REGION;
  if (region) s.region = region;
  const profile = param(ref, ctx, 'profile') || (ctx.env.FORCE_AWS_PROFILE === 'true' ? ctx.env.AWS_PROFILE : '');
  if (profile) s.profile = profile;
  const role = param(ref, ctx, 'role_arn');
  if (role) s.role = role;
  return s;
}

const pool = new ClientPool<AwsClient>((client) => { client.destroy(); });

export interface AwsRequest<Pkg, T> {
  /** The client package and its client class (`@aws-sdk/client-ssm`, `SSMClient`). */
  pkg: string;
  client: string;
  service: AwsService;
  settings: AwsRefSettings;
  /** The command of the one request, built with the package's classes. */
  command: (pkg: Pkg) => unknown;
  /** Reads the response inside the retried call (a body that breaks off is one more attempt); else it is the result. */
  read?: (out: unknown) => Promise<T>;
}

/**
 * Sends one request with the service's client for these settings, retried and cut as retry.ts says; the client
 * (and an assumed role's credentials) is shared by the calls that run together.
 */
export async function awsCall<Pkg, T>(req: AwsRequest<Pkg, T>, ctx: RefContext): Promise<T> {
  quietAwsNodeVersionWarning();
  const pkg = sdk<Pkg>(req.pkg);
  const { settings } = req;
  const base = awsClientConfig({ region: settings.region, profile: settings.profile, env: ctx.env, service: req.service });
  const c = base.credentials;
  // With a role, where STS is reached is part of what the client's credentials are.
  const sts = settings.role ? awsClientConfig({ region: settings.region, profile: settings.profile, env: ctx.env, service: 'STS' }).endpoint : undefined;
  const key = settingsKey([req.service, base.region, base.endpoint, base.profile, c?.accessKeyId, c?.secretAccessKey, c?.sessionToken, settings.role, sts]);
  const create = async (): Promise<AwsClient> => {
    let credentials = base.credentials;
    if (settings.role) credentials = await assumeAwsRole(settings.role, `helm-secrets-${Date.now()}`, settings, ctx);
    const Client = (pkg as Record<string, new (cfg: unknown) => AwsClient>)[req.client];
    return new Client({ ...base, ...(credentials ? { credentials } : {}) });
  };
  try {
    return await pool.use(key, create, (client) =>
      withRetries(
        ctx,
        async (abortSignal) => {
          const out = await client.send(req.command(pkg), { abortSignal });
          return req.read ? req.read(out) : (out as T);
        },
        isAwsTransient,
        (err) => explainAws(err, settings.profile),
      ),
    );
  } catch (err) {
    throw storeFailure(err, classifyAws);
  }
}

const NOT_FOUND = new Set(['ResourceNotFoundException', 'ParameterNotFound', 'ParameterVersionNotFound', 'NoSuchKey', 'NoSuchBucket', 'NoSuchVersion', 'NotFound']);
const DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'CredentialsProviderError',
]);

/** The class of an AWS service error: by its name, else by its HTTP status. */
function classifyAws(cause: unknown): RefFailure | undefined {
  const e = cause as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (e?.name && NOT_FOUND.has(e.name)) return 'not-found';
  if (e?.name && DENIED.has(e.name)) return 'denied';
  const status = e?.$metadata?.httpStatusCode;
  if (status === 404) return 'not-found';
  if (status === 401 || status === 403) return 'denied';
  return undefined;
}
