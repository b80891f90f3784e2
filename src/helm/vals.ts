// The vals backend: what helm-secrets does with the vals binary (`vals eval -o yaml|json` over a values file, `vals
// get` for a literal, `vals eval -decode-kubernetes-secrets` in the post-renderer), done in process by the resolver
// of src/refs/. A failure is one line, `vals error: REFERENCE: cause` with the file, never a value.
import { HelmSecretsError, SopsError, asSopsError, printable } from '../errors.js';
import { evalYaml, getRef, type ResolveOptions } from '../refs/resolve.js';
import { goSprint } from '../refs/values.js';
import { Mapping } from '../sops/tree.js';
import { valsFormat } from './backends.js';
import { checkValuesPath } from './guards.js';

/** The vals flags helm-secrets' users pass as backend arguments (-a / HELM_SECRETS_BACKEND_ARGS) that apply here. */
interface ValsArgs {
  excludeSecret: boolean;
  decodeSecrets: boolean;
}

function valsArgs(env: NodeJS.ProcessEnv): ValsArgs {
  const out: ValsArgs = { excludeSecret: false, decodeSecrets: false };
  for (const a of (env.HELM_SECRETS_BACKEND_ARGS ?? '').split(/\s+/).filter(Boolean)) {
    const flag = a.replace(/^--?/, '');
    if (flag === 'exclude-secret' || flag === 'exclude-secret=true') out.excludeSecret = true;
    else if (flag === 'decode-kubernetes-secrets' || flag === 'decode-kubernetes-secrets=true') out.decodeSecrets = true;
    else if (flag === 's' || flag === 'exclude-secret=false' || flag === 'decode-kubernetes-secrets=false') continue;
    else throw new HelmSecretsError(`vals backend: unsupported backend argument ${printable(a)} (known: -exclude-secret, -decode-kubernetes-secrets, -s)`);
  }
  return out;
}

function options(env: NodeJS.ProcessEnv, file: string | undefined, output?: 'yaml' | 'json'): ResolveOptions {
  const a = valsArgs(env);
  // References to local files pass the same guards as values paths (HELM_SECRETS_VALUES_ALLOW_*).
  const checkPath = (path: string) => checkValuesPath(path, env);
  return { env, ...(file !== undefined ? { file } : {}), baseDir: process.cwd(), ...(output ? { output } : {}), excludeSecret: a.excludeSecret, checkPath };
}

/** Every failure as helm-secrets words it for vals: `vals error: …`, one line. */
function valsError(err: unknown, file?: string): SopsError {
  const e = asSopsError(err, 1, file);
  return new HelmSecretsError(`vals error: ${e.oneLine()}`);
}

/** `vals eval` of one values file: YAML out, or JSON for a `.json` name (helm-secrets' _vals_get_type). */
export async function valsEvalFile(bytes: Uint8Array, name: string, type: string, env: NodeJS.ProcessEnv): Promise<Uint8Array> {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  try {
    return Buffer.from(await evalYaml(text, options(env, name, valsFormat(name, type))), 'utf8');
  } catch (err) {
    throw valsError(err, name);
  }
}

/**
 * `vals get` of one literal (every reference in it replaced), without trailing newlines, as helm-secrets hands it on
 * (it reads vals's output with a shell command substitution). `what` names the literal's place in messages.
 */
export async function valsGet(value: string, env: NodeJS.ProcessEnv, what: string): Promise<string> {
  try {
    return (await getRef(value, options(env, undefined))).replace(/\n+$/, '');
  } catch (err) {
    throw new HelmSecretsError(`vals error: ${asSopsError(err).oneLine()} (in ${printable(what)})`);
  }
}

const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function isSecret(doc: Mapping): boolean {
  return doc.get('kind') === 'Secret';
}

/** vals's -decode-kubernetes-secrets, first half: a Secret's `data` decoded into `stringData` (merged when both exist). */
function decodeSecret(doc: Mapping, index: number): void {
  if (!isSecret(doc)) return;
  const data = doc.get('data');
  if (!(data instanceof Mapping)) return;
  const decoded = new Mapping(
    data.items.map((it) => {
      if (typeof it.key !== 'string') return it;
      const v = it.value;
      const b64 = typeof v === 'string' ? v : v === null ? '' : undefined;
      if (b64 === undefined || !B64_RE.test(b64)) {
        throw new HelmSecretsError(`vals error: error on decoding secrets: document ${index + 1}, data.${printable(it.key)} is not base64`);
      }
      return { ...it, value: Buffer.from(b64, 'base64').toString('utf8') };
    }),
  );
  const stringData = doc.get('stringData');
  if (stringData instanceof Mapping) {
    stringData.items.push(...decoded.items);
    doc.items = doc.items.filter((it) => it.key !== 'data');
  } else {
    doc.items = doc.items.map((it) => (it.key === 'data' ? { ...it, key: 'stringData', value: decoded } : it));
  }
}

/** Second half: `stringData` encoded back into `data`. */
function encodeSecret(doc: Mapping): void {
  if (!isSecret(doc)) return;
  const sd = doc.get('stringData');
  if (!(sd instanceof Mapping)) return;
  const encoded = new Mapping(
    sd.items.map((it) => (typeof it.key === 'string' ? { ...it, value: Buffer.from(goSprint(it.value), 'utf8').toString('base64') } : it)),
  );
  doc.items = doc.items.map((it) => (it.key === 'stringData' ? { ...it, key: 'data', value: encoded } : it));
}

/** The post-renderer: every reference in the rendered manifests resolved (Secrets decoded around it when asked). */
export async function valsEvalManifests(text: string, decodeSecrets: boolean, env: NodeJS.ProcessEnv): Promise<string> {
  const decode = decodeSecrets || valsArgs(env).decodeSecrets;
  try {
    if (!decode) return await evalYaml(text, options(env, 'the rendered manifests'));
    const { YamlStore } = await import('../sops/stores/yaml.js');
    const docs = new YamlStore().loadPlain(Buffer.from(text, 'utf8'));
    docs.forEach((d, i) => { decodeSecret(d, i); });
    const decoded = Buffer.from(new YamlStore({ indent: 2 }).emitPlain(docs)).toString('utf8');
    const resolved = await evalYaml(decoded, options(env, 'the rendered manifests'));
    const back = new YamlStore().loadPlain(Buffer.from(resolved, 'utf8'));
    back.forEach(encodeSecret);
    return back.length === 0 ? '' : Buffer.from(new YamlStore({ indent: 2 }).emitPlain(back)).toString('utf8');
  } catch (err) {
    if (err instanceof HelmSecretsError) throw err;
    throw valsError(err);
  }
}
