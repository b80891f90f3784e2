// A local Vault for tests: the transit engine (POST /v1/<engine>/encrypt|decrypt/<key>, real AES-GCM inside so
// ciphertexts are opaque `vault:v1:…`), the KV secrets engine v1 and v2 (GET /v1/<mount>/<path>,
// /v1/<mount>/data/<path>?version=N) with the mount lookup clients use to tell them apart
// (GET /v1/sys/internal/ui/mounts/<path>), and AppRole and Kubernetes logins (POST /v1/auth/<mount>/login) that issue
// tokens. X-Vault-Token is checked on every call but a login; X-Vault-Namespace works as a path prefix, as in Vault
// Enterprise. Failures are injectable per call.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { faultPlan, nextBehaviour, serverWith } from './faultplan.js';
import type { Behaviour } from './fake-gcpkms.js';

export type { Behaviour };

export interface FakeVault {
  address: string;
  token: string;
  calls: { path: string; token: string; namespace: string }[];
  plan: Behaviour[];
  fallback: Behaviour;
  /** KV mounts (`secret/`, `team/kv/`: namespace included) and their version. */
  mounts: Map<string, 1 | 2>;
  /** Writes a KV secret at a full path (namespace included); on a v2 mount each write is a new version. */
  putSecret(path: string, data: Record<string, unknown>): void;
  /** The AppRole that may log in at auth/approle/login, when set. */
  approle?: { roleId: string; secretId: string };
  /** The service-account JWT and role that may log in at auth/kubernetes/login, when set. */
  kubernetes?: { jwt: string; role: string };
  /** Tokens issued by logins (accepted like the root token). */
  issued: Set<string>;
  /** The most requests that were in flight at once since the last reset (set it to 0 to reset). */
  maxInFlight: number;
  stop(): Promise<void>;
}

/** `host` is where it listens and what its address names (a non-loopback address of this machine, say). */
export async function startFakeVault(token = 'test-root-token', host = '127.0.0.1'): Promise<FakeVault> {
  const keys = new Map<string, Buffer>();
  const keyFor = (k: string) => {
    let v = keys.get(k);
    if (!v) keys.set(k, (v = randomBytes(32)));
    return v;
  };
  const hanging = new Set<() => void>();
  const state = faultPlan<Behaviour, FakeVault['calls'][number]>('ok');
  const mounts = new Map<string, 1 | 2>();
  const kv = new Map<string, Record<string, unknown>[]>();
  const issued = new Set<string>();
  const auth: { approle?: FakeVault['approle']; kubernetes?: FakeVault['kubernetes'] } = {};
  const mountOf = (full: string) => [...mounts.keys()].filter((m) => `${full}/`.startsWith(m)).sort((a, b) => b.length - a.length)[0];
  const putSecret = (path: string, data: Record<string, unknown>) => {
    const list = kv.get(path) ?? [];
    const m = mountOf(path);
    if (m && mounts.get(m) === 2) list.push(data);
    else list.splice(0, list.length, data);
    kv.set(path, list);
  };

  const flight = { now: 0, max: 0 };
  const server = createServer((req, res) => {
    flight.now++;
    flight.max = Math.max(flight.max, flight.now);
    res.on('close', () => flight.now--);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const path = req.url ?? '';
      state.calls.push({ path, token: String(req.headers['x-vault-token'] ?? ''), namespace: String(req.headers['x-vault-namespace'] ?? '') });
      const b = nextBehaviour(state);
      if (b === 'hang') {
        hanging.add(() => res.destroy());
        return;
      }
      if (typeof b === 'object') await new Promise((r) => setTimeout(r, b.delayMs));
      if (b === 'throttle') return reply(429, { errors: ['request path "' + path + '": rate limit quota exceeded'] });
      if (b === 'unavailable') return reply(503, { errors: ['Vault is sealed'] });
      if (b === 'denied') return reply(403, { errors: ['permission denied'] });
      const ns = String(req.headers['x-vault-namespace'] ?? '').replace(/^\/+|\/+$/g, '');
      const [rawPath, query = ''] = path.split('?') as [string, string?];
      const full = (ns ? `${ns}/` : '') + rawPath.replace(/^\/v1\//, '');
      let body: Record<string, unknown>;
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
      } catch {
        return reply(400, { errors: ['failed to parse JSON input'] });
      }
      const login = /^(?:.+\/)?auth\/(approle|kubernetes)\/login$/.exec(full);
      if (req.method === 'POST' && login) {
        const ok =
          login[1] === 'approle'
            ? !!auth.approle && body.role_id === auth.approle.roleId && body.secret_id === auth.approle.secretId
            : !!auth.kubernetes && body.jwt === auth.kubernetes.jwt && body.role === auth.kubernetes.role;
        if (!ok) return login[1] === 'approle' ? reply(400, { errors: ['invalid role or secret ID'] }) : reply(403, { errors: ['permission denied'] });
        const client_token = `hvs.${randomBytes(12).toString('hex')}`;
        issued.add(client_token);
        return reply(200, { request_id: 'r', auth: { client_token, accessor: 'a', policies: ['default'], token_policies: ['default'], lease_duration: 3600, renewable: true } });
      }
      const sent = String(req.headers['x-vault-token'] ?? '');
      if (sent !== token && !issued.has(sent)) return reply(403, { errors: ['permission denied'] });
      if (req.method === 'GET') {
        const ui = /^(?:(.+)\/)?sys\/internal\/ui\/mounts\/(.+)$/.exec(full);
        if (ui) {
          const mm = mountOf((ui[1] ? `${ui[1]}/` : '') + ui[2]!);
          if (!mm) return reply(404, { errors: [] });
          const shown = ns && mm.startsWith(`${ns}/`) ? mm.slice(ns.length + 1) : mm;
          return reply(200, { request_id: 'r', data: { path: shown, type: 'kv', options: mounts.get(mm) === 2 ? { version: '2' } : null } });
        }
        const m = mountOf(full);
        if (m && mounts.get(m) === 2) {
          const rest = full.slice(m.length);
          if (!rest.startsWith('data/')) return reply(404, { errors: [] });
          const versions = kv.get(m + rest.slice('data/'.length));
          const want = Number(new URLSearchParams(query).get('version') ?? '0');
          const n = want > 0 ? want : (versions?.length ?? 0);
          const data = versions?.[n - 1];
          if (!data) return reply(404, { errors: [] });
          return reply(200, { request_id: 'r', data: { data, metadata: { version: n, created_time: '2026-01-01T00:00:00Z', deletion_time: '', destroyed: false } } });
        }
        if (m) {
          const data = kv.get(full)?.[0];
          if (!data) return reply(404, { errors: [] });
          return reply(200, { request_id: 'r', lease_duration: 2764800, data });
        }
      }

      const m = /^\/v1\/(.+)\/(encrypt|decrypt)\/([^/]+)$/.exec(path);
      if (req.method !== 'POST' || !m) return reply(404, { errors: [] });
      const keyId = `${m[1]}/${m[3]}`;
      if (m[2] === 'encrypt') {
        const iv = randomBytes(12);
        const c = createCipheriv('aes-256-gcm', keyFor(keyId), iv);
        const ct = Buffer.concat([c.update(Buffer.from(String(body.plaintext ?? ''), 'base64')), c.final()]);
        const ciphertext = `vault:v1:${Buffer.concat([iv, c.getAuthTag(), ct]).toString('base64')}`;
        return reply(200, { request_id: 'r', data: { ciphertext, key_version: 1 } });
      }
      const mm = /^vault:v1:(.+)$/.exec(String(body.ciphertext ?? ''));
      if (!mm) return reply(400, { errors: ['invalid ciphertext: no prefix'] });
      try {
        const raw = Buffer.from(mm[1]!, 'base64');
        const d = createDecipheriv('aes-256-gcm', keyFor(keyId), raw.subarray(0, 12));
        d.setAuthTag(raw.subarray(12, 28));
        const pt = Buffer.concat([d.update(raw.subarray(28)), d.final()]);
        return reply(200, { request_id: 'r', data: { plaintext: pt.toString('base64') } });
      } catch {
        return reply(400, { errors: ['cipher: message authentication failed'] });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, host, () => r()));
  const address = `http://${host.includes(':') ? `[${host}]` : host}:${(server.address() as { port: number }).port}`;
  return serverWith(state, {
    address,
    token,
    mounts,
    putSecret,
    issued,
    get maxInFlight() {
      return flight.max;
    },
    set maxInFlight(n) {
      flight.max = n;
    },
    get approle() {
      return auth.approle;
    },
    set approle(a) {
      auth.approle = a;
    },
    get kubernetes() {
      return auth.kubernetes;
    },
    set kubernetes(k) {
      auth.kubernetes = k;
    },
    stop: () =>
      new Promise<void>((r) => {
        for (const h of hanging) h();
        server.closeAllConnections();
        server.close(() => r());
      }),
  });
}
