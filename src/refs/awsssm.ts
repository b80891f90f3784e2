// `ref+awsssm://PATH/TO/PARAM[?region=&profile=&role_arn=&version=&mode=&recursive=][#/PATH/IN/IT]`: AWS Systems
// Manager Parameter Store as vals reads it (always decrypted). Without a fragment: one parameter (GetParameter, or
// its GetParameterHistory entry when `version` is set). With a fragment: the parameters under the path
// (GetParametersByPath, `recursive=true` for the whole tree) as a nested document of their names, or with
// `mode=singleparam` the one parameter's value read as a YAML or JSON document.
import { awsCall, awsSettings, type AwsRefSettings } from './aws.js';
import { fragmentPath } from './parse.js';
import { malformed, param } from './remote.js';
import { RefFetchError, type ParsedRef, type RefContext, type RefProvider } from './types.js';

type SsmSdk = typeof import('@aws-sdk/client-ssm');
type Ssm = import('@aws-sdk/client-ssm').Parameter;

/** Pages read before a listing or a history is refused as runaway (10 000 parameters by path, 5 000 versions). */
const MAX_PAGES = 1000;

export const provider: RefProvider = {
  async fetch(ref: ParsedRef, ctx: RefContext): Promise<unknown> {
    let key = ref.key;
    if (key === '' || key === '/') throw malformed('no parameter name (ref+awsssm://PATH/TO/PARAM)');
    if (!key.startsWith('/')) key = `/${key}`;
    const version = param(ref, ctx, 'version');
    if (version !== '' && !/^-?\d+$/.test(version)) throw malformed(`version "${version}" is not an integer`);
    const settings = awsSettings(ref, ctx);
    if (fragmentPath(ref) === '' || param(ref, ctx, 'mode') === 'singleparam') {
      return version !== '' ? historyValue(key, Number(version), settings, ctx) : getValue(key, settings, ctx);
    }
    // `/foo/` lists what `/foo` lists; the names below it are then cut at the same place.
    return byPath(key.replace(/\/+$/, ''), param(ref, ctx, 'recursive') === 'true', settings, ctx);
  },
};

function call<T>(settings: AwsRefSettings, ctx: RefContext, op: (ssm: SsmSdk) => unknown): Promise<T> {
  return awsCall<SsmSdk, T>({ pkg: '@aws-sdk/client-ssm', client: 'SSMClient', service: 'SSM', settings, command: op }, ctx);
}

async function getValue(name: string, settings: AwsRefSettings, ctx: RefContext): Promise<string> {
  const out = await call<{ Parameter?: Ssm }>(settings, ctx, (ssm) => new ssm.GetParameterCommand({ Name: name, WithDecryption: true }));
  const value = out.Parameter?.Value;
  if (typeof value !== 'string') throw new RefFetchError('failed', `Parameter Store returned no value for ${name}`);
  return value;
}

/** The value of one version, from the parameter's history (as vals reads a `version`). */
async function historyValue(name: string, version: number, settings: AwsRefSettings, ctx: RefContext): Promise<string> {
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const out = await call<{ Parameters?: { Version?: number; Value?: string }[]; NextToken?: string }>(settings, ctx, (ssm) =>
      new ssm.GetParameterHistoryCommand({ Name: name, WithDecryption: true, ...(token ? { NextToken: token } : {}) }),
    );
    const hit = out.Parameters?.find((p) => p.Version === version);
    if (hit && typeof hit.Value === 'string' && hit.Value !== '') return hit.Value;
    token = out.NextToken;
    if (!token) break;
  }
  throw new RefFetchError('not-found', `version ${version} of parameter ${name} was not found`);
}

/**
 * The parameters under `prefix` as a document: `/prefix/a/b` becomes `{a: {b: VALUE}}`. As in vals, a name that is
 * both a value and a path (`/p/x` and `/p/x/y`, only in a recursive listing) becomes the path.
 */
async function byPath(prefix: string, recursive: boolean, settings: AwsRefSettings, ctx: RefContext): Promise<unknown> {
  const params: Ssm[] = [];
  let token: string | undefined;
  for (let page = 0; ; page++) {
    if (page === MAX_PAGES) throw new RefFetchError('failed', `more than ${MAX_PAGES} pages of parameters under ${prefix}`);
    const out = await call<{ Parameters?: Ssm[]; NextToken?: string }>(settings, ctx, (ssm) =>
      new ssm.GetParametersByPathCommand({ Path: prefix, Recursive: recursive, WithDecryption: true, ...(token ? { NextToken: token } : {}) }),
    );
    params.push(...(out.Parameters ?? []));
    token = out.NextToken;
    if (!token) break;
  }
  if (params.length === 0) throw new RefFetchError('not-found', `no parameters found under ${prefix}`);
  type Node = Record<string, unknown>;
  const root = Object.create(null) as Node;
  for (const p of params) {
    const name = p.Name ?? '';
    const rest = name.startsWith(prefix) ? name.slice(prefix.length) : name;
    if (!rest.startsWith('/')) throw new RefFetchError('failed', `parameter ${name} is not below ${prefix}`);
    const parts = rest.slice(1).split('/');
    let current = root;
    parts.forEach((part, i) => {
      if (i === parts.length - 1) {
        current[part] = p.Value ?? '';
        return;
      }
      const next = current[part];
      if (next === undefined || typeof next !== 'object' || next === null) current[part] = Object.create(null);
      current = current[part] as Node;
    });
  }
  return root;
}
