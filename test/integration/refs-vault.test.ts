// ref+vault:// against the local Vault stand-in over real HTTP: KV v1 and v2 told apart by the mount lookup,
// versions, namespaces, the token sources and the AppRole and Kubernetes logins, one fetch per secret in a run,
// fetches in parallel, and one error per class.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RefError } from '../../src/errors.js';
import { evalYaml, getRef, type ResolveOptions } from '../../src/refs/resolve.js';
import { startFakeVault, type FakeVault } from '../helpers/fake-vault.js';
import { refFailure } from '../helpers/reffail.js';

describe('refs: vault provider (local Vault stand-in)', function () {
  this.timeout(60000);
  let vault: FakeVault;
  let dir: string;
  let opts: ResolveOptions;

  before(async () => {
    vault = await startFakeVault('root-token');
    dir = mkdtempSync(join(tmpdir(), 'hs-refs-vault-'));
    vault.mounts.set('secret/', 2);
    vault.mounts.set('kv/', 1);
    vault.mounts.set('team1/secret/', 2);
    vault.putSecret('secret/db', { password: 'v2-old', user: 'app' });
    vault.putSecret('secret/db', { password: 'v2-pass', user: 'app', port: 5432 });
    vault.putSecret('kv/legacy', { token: 'v1-token' });
    vault.putSecret('team1/secret/app', { key: 'ns-value' });
    vault.putSecret('secret/b64', { blob: Buffer.from('decoded!').toString('base64') });
    for (let i = 0; i < 20; i++) vault.putSecret(`secret/many/s${i}`, { v: `value-${i}` });
    opts = { env: { VAULT_ADDR: vault.address, VAULT_TOKEN: 'root-token', HOME: dir }, baseDir: dir, file: 'values.yaml', attempts: 2, timeoutMs: 2000 };
  });
  beforeEach(() => {
    vault.calls.length = 0;
    vault.plan = [];
    vault.fallback = 'ok';
  });
  after(async () => {
    await vault.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads KV v2 (latest and ?version=) and KV v1, with and without a fragment', async () => {
    assert.equal(await getRef('ref+vault://secret/db#/password', opts), 'v2-pass');
    assert.equal(await getRef('ref+vault://secret/db/password', opts), 'v2-pass');
    assert.equal(await getRef('ref+vault://secret/db?version=1#/password', opts), 'v2-old');
    assert.equal(await getRef('ref+vault://kv/legacy#/token', opts), 'v1-token');
    assert.equal(await getRef('ref+vault://kv/legacy/token', opts), 'v1-token');
    assert.equal(await getRef('ref+vault://secret/b64/blob?decode=base64', opts), 'decoded!');
    assert.equal(await evalYaml('port: ref+vault://secret/db#/port\n', opts), 'port: 5432\n');
    const paths = vault.calls.map((c) => c.path);
    assert.ok(paths.includes('/v1/sys/internal/ui/mounts/secret/db'), paths.join(' '));
    assert.ok(paths.includes('/v1/secret/data/db'));
    assert.ok(paths.includes('/v1/secret/data/db?version=1'));
    assert.ok(paths.includes('/v1/kv/legacy'));
    assert.ok(vault.calls.every((c) => c.token === 'root-token'));
  });

  it('sends the namespace header (parameter or VAULT_NAMESPACE)', async () => {
    assert.equal(await getRef('ref+vault://secret/app?namespace=team1#/key', opts), 'ns-value');
    assert.equal(await getRef('ref+vault://secret/app#/key', { ...opts, env: { ...opts.env, VAULT_NAMESPACE: 'team1' } }), 'ns-value');
    assert.ok(vault.calls.length > 0 && vault.calls.every((c) => c.namespace === 'team1'));
  });

  it('takes the token from token_env, from ~/.vault-token, and from address/host parameters', async () => {
    assert.equal(await getRef('ref+vault://kv/legacy/token?token_env=MY_TOKEN', { ...opts, env: { ...opts.env, VAULT_TOKEN: 'wrong', MY_TOKEN: 'root-token' } }), 'v1-token');
    writeFileSync(join(dir, '.vault-token'), 'root-token\n');
    const { VAULT_TOKEN: _unused, ...noToken } = opts.env;
    assert.equal(await getRef('ref+vault://kv/legacy/token', { ...opts, env: noToken }), 'v1-token');
    rmSync(join(dir, '.vault-token'));
    const host = vault.address.replace(/^http:\/\//, '');
    assert.equal(await getRef(`ref+vault://kv/legacy/token?proto=http&host=${host}`, { ...opts, env: { VAULT_TOKEN: 'root-token', HOME: dir } }), 'v1-token');
  });

  it('logs in with AppRole once per run, and uses the issued token', async () => {
    vault.approle = { roleId: 'role-1', secretId: 'secret-1' };
    const env = { VAULT_ADDR: vault.address, HOME: dir, VAULT_AUTH_METHOD: 'approle', VAULT_ROLE_ID: 'role-1', VAULT_SECRET_ID: 'secret-1' };
    const out = await evalYaml('a: ref+vault://secret/db#/password\nb: ref+vault://kv/legacy#/token\nc: ref+vault://secret/db#/user\n', { ...opts, env });
    assert.equal(out, 'a: v2-pass\nb: v1-token\nc: app\n');
    const logins = vault.calls.filter((c) => c.path === '/v1/auth/approle/login');
    assert.equal(logins.length, 1);
    const reads = vault.calls.filter((c) => c.path !== '/v1/auth/approle/login');
    assert.ok(reads.length > 0 && reads.every((c) => vault.issued.has(c.token)), JSON.stringify(reads));
    // The parameters name the role too; a wrong secret id is a denied login.
    assert.equal(await getRef('ref+vault://kv/legacy/token?auth_method=approle&role_id=role-1&secret_id=secret-1', { ...opts, env: { VAULT_ADDR: vault.address, HOME: dir } }), 'v1-token');
    await assert.rejects(getRef('ref+vault://kv/legacy/token', { ...opts, env: { ...env, VAULT_SECRET_ID: 'bad' } }), (e: unknown) => {
      assert.ok(e instanceof RefError);
      assert.equal(e.reason, 'failed');
      assert.equal(e.oneLine(), 'values.yaml: ref+vault://kv/legacy/token: Vault POST /v1/auth/approle/login failed: invalid role or secret ID (status 400)');
      return true;
    });
  });

  it('logs in with the Kubernetes service-account token', async () => {
    writeFileSync(join(dir, 'sa-token'), 'jwt-of-the-pod');
    vault.kubernetes = { jwt: 'jwt-of-the-pod', role: 'deployer' };
    const env = { VAULT_ADDR: vault.address, HOME: dir, VAULT_AUTH_METHOD: 'kubernetes', VAULT_ROLE_ID: 'deployer', VAULT_KUBERNETES_JWT_TOKEN_PATH: join(dir, 'sa-token') };
    assert.equal(await getRef('ref+vault://secret/db#/user', { ...opts, env }), 'app');
    assert.equal(vault.calls.filter((c) => c.path === '/v1/auth/kubernetes/login').length, 1);
    await assert.rejects(getRef('ref+vault://secret/db#/user', { ...opts, env: { ...env, VAULT_ROLE_ID: 'other' } }), (e: unknown) => e instanceof RefError && e.reason === 'denied' && /permission denied \(status 403\)/.test(e.message));
  });

  it('fetches each secret once per run, and in parallel', async () => {
    vault.fallback = { delayMs: 50 };
    vault.maxInFlight = 0;
    const lines = [];
    for (let i = 0; i < 20; i++) lines.push(`k${i}: ref+vault://secret/many/s${i}#/v`, `again${i}: ref+vault://secret/many/s${i}#/v`, `plain${i}: ref+vault://secret/many/s${i}/v`);
    const out = await evalYaml(lines.join('\n') + '\n', opts);
    assert.match(out, /^k7: value-7$/m);
    assert.match(out, /^plain19: value-19$/m);
    const reads = vault.calls.filter((c) => c.path.startsWith('/v1/secret/data/many/'));
    // 20 documents (#/v, shared by two references each) and 20 string reads (PATH/KEY): 40 reads, 1 mount lookup.
    assert.equal(reads.length, 40);
    assert.equal(new Set(reads.map((c) => c.path)).size, 20);
    assert.equal(vault.calls.filter((c) => c.path.startsWith('/v1/sys/internal/ui/mounts/')).length, 1);
    // Several at once at the server, never more than the bound (8).
    assert.ok(vault.maxInFlight > 1 && vault.maxInFlight <= 8, String(vault.maxInFlight));
  });

  describe('errors, one per class', () => {
    const fails = refFailure(/v2-pass|root-token|v1-token/);
    it('a missing secret', () => fails('ref+vault://secret/nope#/x', opts, 'not-found', 'values.yaml: ref+vault://secret/nope#/x: no secret found for path "secret/nope"'));
    it('a missing key', () => fails('ref+vault://secret/db/nope', opts, 'not-found', 'values.yaml: ref+vault://secret/db/nope: key "nope" does not exist in "secret/db"'));
    it('a denied read', () =>
      fails('ref+vault://secret/db#/password', { ...opts, env: { ...opts.env, VAULT_TOKEN: 'bad-token' } }, 'denied', 'values.yaml: ref+vault://secret/db#/password: Vault GET /v1/sys/internal/ui/mounts/secret/db failed: permission denied (status 403)'));
    it('an unreachable store (retried, bounded)', async () => {
      vault.fallback = 'unavailable';
      await fails('ref+vault://secret/db#/password', opts, 'unreachable', /^values\.yaml: ref\+vault:\/\/secret\/db#\/password: Vault GET \/v1\/sys\/internal\/ui\/mounts\/secret\/db failed: Vault is sealed \(status 503\) \(after 2 attempts\)$/);
      assert.equal(vault.calls.length, 2);
    });
    it('a store that hangs times out', async () => {
      vault.fallback = 'hang';
      await fails('ref+vault://secret/db#/password', { ...opts, timeoutMs: 300, attempts: 1 }, 'unreachable', /Vault is unreachable: timed out after 300ms$/);
    });
    it('nothing listening', () =>
      fails('ref+vault://secret/db#/password', { ...opts, env: { ...opts.env, VAULT_ADDR: 'http://127.0.0.1:9' } }, 'unreachable', /^values\.yaml: ref\+vault:\/\/secret\/db#\/password: Vault is unreachable: .*ECONNREFUSED/));
    it('a malformed reference', async () => {
      await fails('ref+vault://secret/db/pw?auth_method=magic', opts, 'malformed', 'values.yaml: ref+vault://secret/db/pw?auth_method=***: unsupported Vault auth method "magic" (token, approle, kubernetes or userpass)');
      await fails('ref+vault://secret', opts, 'malformed', 'values.yaml: ref+vault://secret: a Vault reference without a fragment needs PATH/KEY');
    });
    it('the token is not sent to another server named by the file', () =>
      fails('ref+vault://secret/db/password?address=http://attacker.example:8200', opts, 'denied', /the Vault token is not sent to another server unless SOPS_HC_VAULT_ALLOWLIST lists it/));
  });
});
