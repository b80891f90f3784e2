// A local stand-in for the Kubernetes API, enough for `helm install` / `upgrade --install` with HELM_DRIVER=memory:
// discovery (/version, /api, /apis, /api/v1) and object creation (echoed back), plus a kubeconfig pointing at it.
// Secrets and ConfigMaps put in `objects` are served to GET /api/v1/namespaces/NS/{secrets,configmaps}/NAME (for the
// `ref+k8s://` provider through the real kubectl); a namespace in `forbidden` answers 403 as RBAC would.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DISCOVERY: Record<string, unknown> = {
  '/version': { major: '1', minor: '30', gitVersion: 'v1.30.0', platform: 'linux/amd64' },
  '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] },
  '/apis': { kind: 'APIGroupList', apiVersion: 'v1', groups: [] },
  '/api/v1': {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: ['configmaps', 'secrets', 'services'].map((name) => ({
      name,
      singularName: name.slice(0, -1),
      namespaced: true,
      kind: name === 'configmaps' ? 'ConfigMap' : name === 'secrets' ? 'Secret' : 'Service',
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    })),
  },
};

export interface FakeKube {
  url: string;
  kubeconfig: string;
  /** Bodies of the objects helm created. */
  created: string[];
  /** Served objects, by `secrets/NS/NAME` or `configmaps/NS/NAME`. */
  objects: Map<string, Record<string, unknown>>;
  /** Namespaces whose reads are refused (403 Forbidden). */
  forbidden: Set<string>;
  /** Paths of the object GETs received (discovery excluded), and the bearer token each came with. */
  gets: { path: string; token: string }[];
  close(): Promise<void>;
}

export async function startFakeKube(dir: string): Promise<FakeKube> {
  const created: string[] = [];
  const objects = new Map<string, Record<string, unknown>>();
  const forbidden = new Set<string>();
  const gets: { path: string; token: string }[] = [];
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      res.setHeader('Content-Type', 'application/json');
      const obj = req.method === 'GET' ? /^\/api\/v1\/namespaces\/([^/]+)\/(secrets|configmaps)\/([^/]+)$/.exec(path) : null;
      if (req.method === 'GET' && DISCOVERY[path]) {
        res.end(JSON.stringify(DISCOVERY[path]));
      } else if (obj) {
        const [, ns, resource, name] = obj as unknown as [string, string, string, string];
        gets.push({ path, token: String(req.headers.authorization ?? '').replace(/^Bearer /, '') });
        const status = (code: number, reason: string, message: string) => {
          res.statusCode = code;
          res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details: { name, kind: resource }, code }));
        };
        if (forbidden.has(ns)) {
          status(403, 'Forbidden', `${resource} "${name}" is forbidden: User "fake" cannot get resource "${resource}" in API group "" in the namespace "${ns}"`);
        } else {
          const found = objects.get(`${resource}/${ns}/${name}`);
          if (!found) status(404, 'NotFound', `${resource} "${name}" not found`);
          else res.end(JSON.stringify(found));
        }
      } else if (req.method !== 'GET') {
        created.push(body);
        res.statusCode = req.method === 'POST' ? 201 : 200;
        res.end(body);
      } else {
        res.statusCode = 404;
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: ${url}\ncontexts:\n- name: fake\n  context:\n    cluster: fake\n    user: fake\n    namespace: default\ncurrent-context: fake\nusers:\n- name: fake\n  user:\n    token: fake\n`,
    { mode: 0o600 },
  );
  return { url, kubeconfig, created, objects, forbidden, gets, close: () => new Promise((r) => server.close(() => r())) };
}
