// A local Azure Key Vault for tests: the keys REST API (get key, encrypt, decrypt with RSA-OAEP-256
// on a real RSA key) and the secrets REST API (get secret, current or one version) over HTTPS with a throwaway
// self-signed certificate, bearer challenge included.
import { spawnSync } from 'node:child_process';
import { constants, generateKeyPairSync, privateDecrypt, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { faultPlan, nextBehaviour, serverWith } from './faultplan.js';
import type { Behaviour } from './fake-gcpkms.js';

export interface FakeAzureKv {
  /** https://127.0.0.1:PORT */
  vaultUrl: string;
  /** PEM of the self-signed certificate, to trust in the client. */
  caFile: string;
  token: string;
  calls: { method: string; path: string; authorization: string }[];
  plan: Behaviour[];
  fallback: Behaviour;
  /** Creates an RSA key and returns its version. */
  createKey(name: string): string;
  /** Sets a secret (a new current version) and returns its version. */
  setSecret(name: string, value: string): string;
  stop(): Promise<void>;
}

const b64url = (b: Buffer) => b.toString('base64url');

export async function startFakeAzureKv(token = 'test-azure-token'): Promise<FakeAzureKv> {
  const dir = mkdtempSync(join(tmpdir(), 'hs-fake-azkv-'));
  const caFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const r = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', caFile, '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ], { stdio: 'ignore' });
  if (r.status !== 0) throw new Error('openssl could not make a test certificate');

  const keys = new Map<string, { versions: Map<string, { priv: KeyObject; pub: KeyObject }>; latest: string }>();
  const secrets = new Map<string, { versions: Map<string, string>; latest: string }>();
  const state = faultPlan<Behaviour, FakeAzureKv['calls'][number]>('ok');
  const hanging = new Set<() => void>();
  let vaultUrl = '';

  const server = createServer({ key: readFileSync(keyFile), cert: readFileSync(caFile) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      const url = new URL(req.url ?? '/', vaultUrl);
      const authorization = String(req.headers.authorization ?? '');
      state.calls.push({ method: req.method ?? '', path: url.pathname, authorization });
      if (!url.searchParams.get('api-version')) return reply(400, { error: { code: 'MissingApiVersionParameter', message: 'api-version missing' } });
      if (!authorization) {
        // Key Vault's challenge: the client learns the tenant and resource, then retries with a token.
        return reply(401, { error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } }, {
          'www-authenticate': 'Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="https://vault.azure.net"',
        });
      }
      const b = nextBehaviour(state);
      if (b === 'hang') {
        hanging.add(() => res.destroy());
        return;
      }
      if (typeof b === 'object') await new Promise((r) => setTimeout(r, b.delayMs));
      if (b === 'throttle') return reply(429, { error: { code: 'Throttled', message: 'Request was not processed because too many requests were received.' } }, { 'retry-after': '0' });
      if (b === 'unavailable') return reply(503, { error: { code: 'ServiceUnavailable', message: 'The service is unavailable.' } });
      const secretPath = /^\/secrets\/([^/]+)(?:\/([^/]*))?\/?$/.exec(url.pathname);
      if (b === 'denied' || authorization !== `Bearer ${token}`) {
        const permission = secretPath ? 'secrets get' : 'keys encrypt';
        return reply(403, { error: { code: 'Forbidden', message: `The user, group or application does not have ${permission} permission.` } });
      }
      if (secretPath && req.method === 'GET') {
        const secret = secrets.get(secretPath[1]!);
        const version = secretPath[2] || secret?.latest || '';
        const value = secret?.versions.get(version);
        if (value === undefined) {
          return reply(404, { error: { code: 'SecretNotFound', message: `A secret with (name/id) ${secretPath[1]}/${version} was not found in this key vault.` } });
        }
        const now = Math.floor(Date.now() / 1000);
        return reply(200, { value, id: `${vaultUrl}/secrets/${secretPath[1]}/${version}`, attributes: { enabled: true, created: now, updated: now, recoveryLevel: 'Purgeable' } });
      }

      const m = /^\/keys\/([^/]+)(?:\/([^/]*))?(?:\/(encrypt|decrypt))?\/?$/.exec(url.pathname);
      const key = m ? keys.get(m[1]!) : undefined;
      if (!m || !key) return reply(404, { error: { code: 'KeyNotFound', message: `A key with (name/id) ${m?.[1]} was not found in this key vault.` } });
      const version = m[2] || key.latest;
      const v = key.versions.get(version);
      if (!v) return reply(404, { error: { code: 'KeyNotFound', message: `version ${version} not found` } });
      const kid = `${vaultUrl}/keys/${m[1]}/${version}`;

      if (!m[3] && req.method === 'GET') {
        const jwk = v.pub.export({ format: 'jwk' }) as { n: string; e: string };
        const now = Math.floor(Date.now() / 1000);
        return reply(200, {
          key: { kid, kty: 'RSA', key_ops: ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey'], n: jwk.n, e: jwk.e },
          attributes: { enabled: true, created: now, updated: now, recoveryLevel: 'Purgeable' },
        });
      }
      if (m[3] && req.method === 'POST') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { alg?: string; value?: string };
        if (body.alg !== 'RSA-OAEP-256') return reply(400, { error: { code: 'BadParameter', message: `unsupported algorithm ${body.alg}` } });
        const input = Buffer.from(body.value ?? '', 'base64url');
        const oaep = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' };
        try {
          const out = m[3] === 'encrypt' ? publicEncrypt({ key: v.pub, ...oaep }, input) : privateDecrypt({ key: v.priv, ...oaep }, input);
          return reply(200, { kid, value: b64url(out) });
        } catch {
          return reply(400, { error: { code: 'BadParameter', message: 'Decryption failed' } });
        }
      }
      return reply(405, { error: { code: 'MethodNotAllowed', message: 'not supported here' } });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  vaultUrl = `https://127.0.0.1:${(server.address() as { port: number }).port}`;

  return serverWith(state, {
    vaultUrl,
    caFile,
    token,
    createKey(name: string): string {
      const version = randomBytes(16).toString('hex');
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const k = keys.get(name) ?? { versions: new Map(), latest: version };
      k.versions.set(version, { priv: privateKey, pub: publicKey });
      k.latest = version;
      keys.set(name, k);
      return version;
    },
    setSecret(name: string, value: string): string {
      const version = randomBytes(16).toString('hex');
      const secret = secrets.get(name) ?? { versions: new Map<string, string>(), latest: version };
      secret.versions.set(version, value);
      secret.latest = version;
      secrets.set(name, secret);
      return version;
    },
    stop: () =>
      new Promise<void>((r) => {
        for (const h of hanging) h();
        server.closeAllConnections();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          r();
        });
      }),
  });
}
