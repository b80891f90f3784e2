// `ref+awssecrets://NAME-OR-ARN[?region=&profile=&role_arn=&version_stage=&version_id=][#/key/in/secret]`: a
// secret of AWS Secrets Manager (GetSecretValue), its SecretString or else its SecretBinary as text, as vals reads
// it. With a fragment the text is a YAML or JSON document to select from; a secret that does not exist is then
// looked up as vals's split form: `NAME/meta` lists suffixes, and each `NAME/SUFFIX` is one value of the document.
import { awsCall, awsSettings } from './aws.js';
import { Mapping } from '../sops/tree.js';
import { fragmentPath } from './parse.js';
import { malformed, param } from './remote.js';
import { RefFetchError, type ParsedRef, type RefContext, type RefProvider } from './types.js';

type SmSdk = typeof import('@aws-sdk/client-secrets-manager');
type GetSecretValueOutput = import('@aws-sdk/client-secrets-manager').GetSecretValueCommandOutput;

/** The field of `NAME/meta` that lists the suffixes (vals's own name for it). */
const META_FIELD = 'github.com/helmfile/vals';

export const provider: RefProvider = {
  async fetch(ref: ParsedRef, ctx: RefContext): Promise<unknown> {
    const id = ref.key;
    if (id === '' || id === '/') throw malformed('no secret name or ARN (ref+awssecrets://NAME[#/KEY])');
    // An ARN names the region the secret is in (vals needs `region=` for it, which still wins when given).
    const arnRegion = /^arn:aws[\w-]*:secretsmanager:([^:]+):/.exec(id)?.[1];
    const settings = awsSettings(ref, ctx, arnRegion);
    const get = (secretId: string) => getSecret(secretId, ref, ctx, settings);
    if (fragmentPath(ref) === '') return get(id);
    try {
      return await get(id);
    } catch (err) {
      if (!(err instanceof RefFetchError) || err.reason !== 'not-found') throw err;
      return splitSecret(id, get, err);
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
  throw new RefFetchError('failed', 'the secret has neither a SecretString nor a SecretBinary');
}

/**
 * vals's split secret: `NAME/meta` holds a document whose META_FIELD lists suffixes; the result maps each suffix
 * (without a leading `/`) to the text of `NAME/SUFFIX`. When there is no meta secret either, the first failure
 * (the secret itself was not found) is what the user sees.
 */
async function splitSecret(id: string, get: (id: string) => Promise<string>, notFound: RefFetchError): Promise<Mapping> {
  const base = id.replace(/\/+$/, '');
  let metaText: string;
  try {
    metaText = await get(`${base}/meta`);
  } catch (err) {
    if (err instanceof RefFetchError && err.reason === 'not-found') throw notFound;
    throw err;
  }
  const { YamlStore } = await import('../sops/stores/yaml.js');
  let list: unknown;
  try {
    list = new YamlStore().loadPlain(Buffer.from(metaText, 'utf8'))[0]?.get(META_FIELD);
  } catch {
    // The text is not echoed: only that it is not a document.
  }
  if (!Array.isArray(list)) throw new RefFetchError('failed', `the secret ${base}/meta has no "${META_FIELD}" list of suffixes`);
  const suffixes = list.filter((s) => typeof s === 'string' || typeof s === 'bigint' || typeof s === 'number').map((s) => String(s).replace(/^\/+/, ''));
  const values = await Promise.all(suffixes.map((s) => get(`${base}/${s}`)));
  return new Mapping(suffixes.map((key, i) => ({ key, value: values[i] })));
}
