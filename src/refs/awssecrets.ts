// `ref+awssecrets://NAME-OR-ARN[?region=&profile=&role_arn=&version_stage=&version_id=][#/key/in/secret]`: a
// secret of AWS Secrets Manager (GetSecretValue), its SecretString or else its SecretBinary as text, as vals reads
// it. With a fragment the text is a YAML or JSON document to select from; a secret that does not exist is then
// looked up as vals's split form: `NAME/meta` lists suffixes, and each `NAME/SUFFIX` is one value of the document.
import { awsCall, awsErrorName, awsSettings } from './aws.js';
import { MalformedRefError, param, refKey } from './remote.js';
import type { ParsedRef, RefContext, RefProvider } from './types.js';

type SmSdk = typeof import('@aws-sdk/client-secrets-manager');
type GetSecretValueOutput = import('@aws-sdk/client-secrets-manager').GetSecretValueCommandOutput;

/** The field of `NAME/meta` that lists the suffixes (vals's own name for it). */
const META_FIELD = 'github.com/helmfile/vals';

export const awsSecretsProvider: RefProvider = {
  async fetch(ref: ParsedRef, ctx: RefContext): Promise<unknown> {
    const id = refKey(ref);
    if (id === '' || id === '/') throw new MalformedRefError('no secret name or ARN (ref+awssecrets://NAME[#/KEY])');
    // An ARN names its region; vals needs `region` for it, which still wins when given.
    const arnRegion = /^arn:aws[\w-]*:secretsmanager:([^:]+):/.exec(id)?.[1];
    const settings = awsSettings(ref, ctx, arnRegion);
    const get = (secretId: string) => getSecret(secretId, ref, ctx, settings);
    if (ref.fragment === undefined) return get(id);
    try {
      return await get(id);
    } catch (err) {
      if (awsErrorName(err) !== 'ResourceNotFoundException') throw err;
      return splitSecret(id, get, err as Error);
    }
  },
};

async function getSecret(id: string, ref: ParsedRef, ctx: RefContext, settings: ReturnType<typeof awsSettings>): Promise<string> {
  const stage = param(ref, ctx, 'version_stage');
  const versionId = param(ref, ctx, 'version_id');
  const out = await awsCall<SmSdk, GetSecretValueOutput>(
    {
      pkg: '@aws-sdk/client-secrets-manager',
      client: 'SecretsManagerClient',
      service: 'SECRETS_MANAGER',
      settings,
      command: (sm) =>
        new sm.GetSecretValueCommand({
          SecretId: id,
          ...(stage ? { VersionStage: stage } : {}),
          ...(versionId ? { VersionId: versionId } : {}),
        }),
    },
    ctx,
  );
  if (typeof out.SecretString === 'string') return out.SecretString;
  if (out.SecretBinary) return Buffer.from(out.SecretBinary).toString('utf8');
  throw new Error('the secret has neither a SecretString nor a SecretBinary');
}

/**
 * vals's split secret: `NAME/meta` holds a document whose META_FIELD lists suffixes; the result maps each suffix
 * (without a leading `/`) to the text of `NAME/SUFFIX`. When there is no meta secret either, the first failure
 * (the secret itself was not found) is what the user sees.
 */
async function splitSecret(id: string, get: (id: string) => Promise<string>, notFound: Error): Promise<Record<string, string>> {
  const base = id.replace(/\/+$/, '');
  let metaText: string;
  try {
    metaText = await get(`${base}/meta`);
  } catch (err) {
    if (awsErrorName(err) === 'ResourceNotFoundException') throw notFound;
    throw err;
  }
  const { parseRefDocument } = await import('./document.js');
  const meta = parseRefDocument(metaText, `the secret ${base}/meta`);
  const list = meta && typeof meta === 'object' && !Array.isArray(meta) ? (meta as Record<string, unknown>)[META_FIELD] : undefined;
  if (!Array.isArray(list)) throw new Error(`the secret ${base}/meta has no "${META_FIELD}" list of suffixes`);
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  const suffixes = list.map((s) => String(s).replace(/^\/+/, ''));
  const values = await Promise.all(suffixes.map((s) => get(`${base}/${s}`)));
  suffixes.forEach((s, i) => (out[s] = values[i]!));
  return out;
}
