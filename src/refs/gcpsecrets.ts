// `ref+gcpsecrets://PROJECT/SECRET[?version=&fallback_value=&optional=&trim_nl=][#/key/in/secret]`: a version of a
// Google Cloud Secret Manager secret (AccessSecretVersion; `latest` unless `version` names one), its payload as
// text, as vals reads it. Without a project the secret is looked up in GCP_PROJECT. As in vals, a failed read gives
// '' with `optional=true` and the given text with `fallback_value=`; `trim_nl=true` drops one trailing newline.
// The endpoint is HELM_SECRETS_GCP_SECRETS_ENDPOINT when set (host:port; `http://` for a plaintext channel), and
// the credentials are those of the Cloud KMS key (src/keys/gcpclient.ts).
import { gcpClientOptions, gcpCode, gcpUnary } from '../keys/gcpclient.js';
import { sdk } from '../keys/sdk.js';
import { ClientPool, goBool, hasParam, malformed, param, settingsKey, storeFailure } from './remote.js';
import type { ParsedRef, RefContext, RefFailure, RefProvider } from './types.js';

const GCP_SECRETS_ENDPOINT = 'HELM_SECRETS_GCP_SECRETS_ENDPOINT';

type SmClient = import('@google-cloud/secret-manager').SecretManagerServiceClient;
interface Session {
  client: SmClient;
  headers: Record<string, string>;
}

const pool = new ClientPool<Session>((s) => s.client.close());

/** A segment of a resource name: what Secret Manager allows in a project, a secret id and a version. */
const SEGMENT = /^[A-Za-z0-9_.:-]+$/;

export const provider: RefProvider = {
  async fetch(ref: ParsedRef, ctx: RefContext): Promise<unknown> {
    const key = ref.key;
    const cut = key.indexOf('/');
    const project = cut >= 0 ? key.slice(0, cut) : (ctx.env.GCP_PROJECT ?? '');
    const secret = cut >= 0 ? key.slice(cut + 1) : key;
    const version = param(ref, ctx, 'version') || 'latest';
    if (!SEGMENT.test(project)) {
      throw malformed(cut >= 0 ? `"${project}" is not a project id` : 'no project (ref+gcpsecrets://PROJECT/SECRET, or set GCP_PROJECT)');
    }
    if (!SEGMENT.test(secret)) throw malformed(`"${secret}" is not a secret id (ref+gcpsecrets://PROJECT/SECRET)`);
    if (!SEGMENT.test(version)) throw malformed(`"${version}" is not a secret version`);
    const name = `projects/${project}/secrets/${secret}/versions/${version}`;

    let text: string;
    try {
      text = await access(name, ctx);
    } catch (err) {
      if (goBool(param(ref, ctx, 'optional'))) return '';
      if (hasParam(ref, 'fallback_value')) return param(ref, ctx, 'fallback_value');
      throw err;
    }
    return goBool(param(ref, ctx, 'trim_nl')) && text.endsWith('\n') ? text.slice(0, -1) : text;
  },
};

async function access(name: string, ctx: RefContext): Promise<string> {
  const endpoint = ctx.env[GCP_SECRETS_ENDPOINT];
  const create = async (): Promise<Session> => {
    const { SecretManagerServiceClient } = sdk<typeof import('@google-cloud/secret-manager')>('@google-cloud/secret-manager');
    const { opts, headers } = gcpClientOptions(ctx.env, { endpoint });
    return { client: new SecretManagerServiceClient(opts as ConstructorParameters<typeof SecretManagerServiceClient>[0]), headers };
  };
  const key = settingsKey([endpoint, ctx.env.GOOGLE_CREDENTIALS, ctx.env.GOOGLE_OAUTH_ACCESS_TOKEN]);
  const out = await pool
    .use(key, create, (s) => gcpUnary<{ payload?: { data?: Uint8Array | string | null } | null }>(s.client, 'accessSecretVersion', { name }, s.headers, ctx))
    .catch((err: unknown) => {
      throw storeFailure(err, classifyGcp);
    });
  const data = out.payload?.data;
  if (data == null) return '';
  return typeof data === 'string' ? Buffer.from(data, 'base64').toString('utf8') : Buffer.from(data).toString('utf8');
}

/** NOT_FOUND, PERMISSION_DENIED / UNAUTHENTICATED, UNAVAILABLE / DEADLINE_EXCEEDED (also as REST statuses). */
function classifyGcp(cause: unknown): RefFailure | undefined {
  const code = gcpCode(cause);
  if (code === 5 || code === 404) return 'not-found';
  if (code === 7 || code === 16 || code === 401 || code === 403) return 'denied';
  if (code === 14 || code === 4 || code === 503) return 'unreachable';
  return undefined;
}
