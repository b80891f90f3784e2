// `ref+k8s://v1/KIND/NAMESPACE/NAME[/KEY]` and `ref+k8s://v1/KIND/NAMESPACE/NAME#/KEY`: a key of a Secret
// (base64-decoded) or a ConfigMap, as vals's k8s provider addresses them; without a key, the object's whole data as
// JSON. Read through kubectl (HELM_SECRETS_KUBECTL_PATH, else `kubectl`), as the `-kubernetes` key imports are:
// `kubectl get -n NS -o json [--kubeconfig P] [--context C] -- secret NAME`. Parameters: `kubeConfigPath` (else
// KUBECONFIG, else ~/.kube/config; it must exist, as vals checks), `kubeContext`, `inCluster` (the pod's service
// account, through a kubeconfig that only names the token and CA files). Names are checked as Kubernetes names
// before they reach kubectl; values come back on kubectl's stdout and stay in memory.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { withRetries, TransientError } from '../keys/retry.js';
import { fragmentPath, refParam } from './parse.js';
import { RefFetchError, type ParsedRef, type RefContext, type RefProvider } from './types.js';
import { goJsonString } from '../sops/stores/json.js';

const NAMESPACE_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const NAME_RE = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

interface Target {
  kind: 'Secret' | 'ConfigMap';
  namespace: string;
  name: string;
}

function target(parts: string[], whole: string): Target {
  const [apiVersion, kind, namespace, name] = parts as [string, string, string, string];
  if (apiVersion !== 'v1') throw new RefFetchError('malformed', `invalid apiVersion "${apiVersion}": only v1 is supported`);
  if (kind !== 'Secret' && kind !== 'ConfigMap') throw new RefFetchError('malformed', `invalid kind "${kind}": Secret or ConfigMap`);
  if (!NAMESPACE_RE.test(namespace)) throw new RefFetchError('malformed', `invalid namespace in ${whole}: a DNS-1123 label is required`);
  if (!NAME_RE.test(name)) throw new RefFetchError('malformed', `invalid ${kind} name in ${whole}: a DNS-1123 subdomain is required`);
  return { kind, namespace, name };
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, signal, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') { reject(new RefFetchError('failed', `kubectl not found (${cmd}); set HELM_SECRETS_KUBECTL_PATH`)); return; }
      if (err && signal.aborted) { reject(signal.reason instanceof Error ? signal.reason : err); return; }
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** kubectl's one-line error, classed: NotFound, Forbidden/Unauthorized, or the server out of reach (retried). */
function kubectlFailure(stderr: string, t: Target): Error {
  const line = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !/^[EWI]\d{4} /.test(l)).pop() ?? 'kubectl failed';
  const where = `${t.kind} ${t.namespace}/${t.name}`;
  if (/\(NotFound\)/.test(line)) return new RefFetchError('not-found', `${where} not found`);
  if (/\((Forbidden|Unauthorized)\)/.test(line)) return new RefFetchError('denied', `reading ${where} is not allowed: ${line}`);
  if (/Unable to connect|connection refused|was refused|no such host|i\/o timeout|deadline exceeded|Client\.Timeout|EOF/.test(line)) {
    return new TransientError(`the Kubernetes API is unreachable: ${line}`);
  }
  return new RefFetchError('failed', `cannot get ${where}: ${line}`);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The kubeconfig arguments, and a private directory to remove when in-cluster. */
async function connection(ref: ParsedRef, ctx: RefContext): Promise<{ args: string[]; cleanup?: () => Promise<void> }> {
  const env = ctx.env;
  const context = refParam(ref, 'kubeContext', env);
  const ctxArgs = context ? ['--context', context] : [];
  if (ref.params.has('inCluster') || env.VALS_INCLUSTER !== undefined) {
    const host = env.KUBERNETES_SERVICE_HOST;
    const port = env.KUBERNETES_SERVICE_PORT;
    if (!host || !port) throw new RefFetchError('failed', 'inCluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set (not running in a pod)');
    const dir = await mkdtemp(join(tmpdir(), 'helm-secrets-k8s-'));
    const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
    // Paths only: the token stays in its file, read by kubectl.
    const config = `apiVersion: v1\nkind: Config\nclusters:\n- name: in-cluster\n  cluster:\n    server: ${server}\n    certificate-authority: ${SERVICE_ACCOUNT}/ca.crt\ncontexts:\n- name: in-cluster\n  context:\n    cluster: in-cluster\n    user: in-cluster\ncurrent-context: in-cluster\nusers:\n- name: in-cluster\n  user:\n    tokenFile: ${SERVICE_ACCOUNT}/token\n`;
    await writeFile(join(dir, 'kubeconfig'), config, { mode: 0o600 });
    return { args: ['--kubeconfig', join(dir, 'kubeconfig')], cleanup: () => rm(dir, { recursive: true, force: true }) };
  }
  const explicit = refParam(ref, 'kubeConfigPath', env);
  if (explicit) {
    if (!(await exists(explicit))) throw new RefFetchError('malformed', `kubeConfigPath is set but ${explicit} does not exist`);
    return { args: ['--kubeconfig', explicit, ...ctxArgs] };
  }
  if (env.KUBECONFIG) {
    if (!(await exists(env.KUBECONFIG))) throw new RefFetchError('failed', `KUBECONFIG is set but ${env.KUBECONFIG} does not exist`);
    return { args: ['--kubeconfig', env.KUBECONFIG, ...ctxArgs] };
  }
  const home = join(env.HOME || homedir(), '.kube', 'config');
  if (await exists(home)) return { args: ['--kubeconfig', home, ...ctxArgs] };
  throw new RefFetchError('failed', `no kubeconfig: neither kubeConfigPath, KUBECONFIG nor ${home}`);
}

/** The object's data as strings (a Secret's values base64-decoded). */
async function objectData(ref: ParsedRef, t: Target, ctx: RefContext): Promise<Map<string, string>> {
  const conn = await connection(ref, ctx);
  const kubectl = ctx.env.HELM_SECRETS_KUBECTL_PATH || 'kubectl';
  const args = ['get', '-n', t.namespace, '-o', 'json', ...conn.args, '--', t.kind === 'Secret' ? 'secret' : 'configmap', t.name];
  try {
    // Only an unreachable server is retried; a refusal comes back as the answer, classed, and is thrown here.
    const got = await withRetries<{ out: string } | { failure: Error }>(
      ctx,
      async (signal) => {
        const r = await run(kubectl, args, ctx.env, signal);
        if (r.code === 0) return { out: r.stdout };
        const failure = kubectlFailure(r.stderr, t);
        if (failure instanceof TransientError) throw failure;
        return { failure };
      },
      () => false,
    );
    if ('failure' in got) throw got.failure;
    const out = got.out;
    let obj: { data?: Record<string, unknown> | null };
    try {
      obj = JSON.parse(out) as typeof obj;
    } catch {
      throw new RefFetchError('failed', `kubectl's answer for ${t.kind} ${t.namespace}/${t.name} is not JSON`);
    }
    const data = new Map<string, string>();
    for (const [k, v] of Object.entries(obj.data ?? {})) {
      if (typeof v !== 'string') continue;
      data.set(k, t.kind === 'Secret' ? Buffer.from(v, 'base64').toString('utf8') : v);
    }
    return data;
  } catch (err) {
    if (err instanceof RefFetchError) throw err;
    const msg = (err as Error).message;
    throw new RefFetchError(/unreachable|timed out/.test(msg) ? 'unreachable' : 'failed', msg);
  } finally {
    await conn.cleanup?.();
  }
}

export const provider: RefProvider = {
  async fetch(ref: ParsedRef, ctx: RefContext): Promise<unknown> {
    const parts = ref.key.split('/');
    const docMode = fragmentPath(ref) !== '';
    if (docMode ? parts.length !== 4 : parts.length !== 4 && parts.length !== 5) {
      throw new RefFetchError('malformed', `invalid path "${ref.key}": the form is v1/KIND/NAMESPACE/NAME${docMode ? '' : '[/KEY]'}`);
    }
    const t = target(parts, ref.key);
    const data = await objectData(ref, t, ctx);
    if (docMode) return Object.fromEntries(data);
    if (parts.length === 5) {
      const key = parts[4];
      if (key === '') throw new RefFetchError('malformed', `invalid path "${ref.key}": the key is empty`);
      const v = data.get(key);
      if (v === undefined) throw new RefFetchError('not-found', `key ${key} does not exist in ${t.kind} ${t.namespace}/${t.name}`);
      return v;
    }
    // As vals: the whole data as JSON (Go's json.Marshal of a map: keys sorted).
    const keys = [...data.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    return `{${keys.map((k) => `${goJsonString(k)}:${goJsonString(data.get(k)!)}`).join(',')}}`;
  },
};
