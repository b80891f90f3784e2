// A local Vault transit engine for tests: POST /v1/<engine>/encrypt|decrypt/<key> with X-Vault-Token,
// real AES-GCM inside so ciphertexts are opaque `vault:v1:…`, and injectable failures.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { Behaviour } from './fake-gcpkms.js';

export type { Behaviour };

export interface FakeVault {
  address: string;
  token: string;
  calls: { path: string; token: string; namespace: string }[];
  plan: Behaviour[];
  fallback: Behaviour;
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
  const state: Pick<FakeVault, 'calls' | 'plan' | 'fallback'> = { calls: [], plan: [], fallback: 'ok' };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const path = req.url ?? '';
      state.calls.push({ path, token: String(req.headers['x-vault-token'] ?? ''), namespace: String(req.headers['x-vault-namespace'] ?? '') });
      const b = state.plan.length ? state.plan.shift()! : state.fallback;
      if (b === 'hang') {
        hanging.add(() => res.destroy());
        return;
      }
      if (typeof b === 'object') await new Promise((r) => setTimeout(r, b.delayMs));
      if (b === 'throttle') return reply(429, { errors: ['request path "' + path + '": rate limit quota exceeded'] });
      if (b === 'unavailable') return reply(503, { errors: ['Vault is sealed'] });
      if (b === 'denied' || req.headers['x-vault-token'] !== token) return reply(403, { errors: ['permission denied'] });

      const m = /^\/v1\/(.+)\/(encrypt|decrypt)\/([^/]+)$/.exec(path);
      if (req.method !== 'POST' || !m) return reply(404, { errors: [] });
      const keyId = `${m[1]}/${m[3]}`;
      let body: Record<string, string>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return reply(400, { errors: ['failed to parse JSON input'] });
      }
      if (m[2] === 'encrypt') {
        const iv = randomBytes(12);
        const c = createCipheriv('aes-256-gcm', keyFor(keyId), iv);
        const ct = Buffer.concat([c.update(Buffer.from(body.plaintext ?? '', 'base64')), c.final()]);
        const ciphertext = `vault:v1:${Buffer.concat([iv, c.getAuthTag(), ct]).toString('base64')}`;
        return reply(200, { request_id: 'r', data: { ciphertext, key_version: 1 } });
      }
      const mm = /^vault:v1:(.+)$/.exec(body.ciphertext ?? '');
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
  return {
    address,
    token,
    get calls() {
      return state.calls;
    },
    get plan() {
      return state.plan;
    },
    set plan(p) {
      state.plan = p;
    },
    get fallback() {
      return state.fallback;
    },
    set fallback(b) {
      state.fallback = b;
    },
    stop: () =>
      new Promise<void>((r) => {
        for (const h of hanging) h();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
