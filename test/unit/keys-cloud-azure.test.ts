// Azure Key Vault master key through the real SDK against a local Key Vault (HTTPS, bearer challenge,
// RSA-OAEP-256 on a real RSA key): entries as sops writes them, version pinning, retries and failures.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { azureKvKind } from '../../src/keys/azurekv.js';
import { azureKv } from '../../src/keys/kinds/azurekv.js';
import type { KeyContext } from '../../src/keys/types.js';
import { startFakeAzureKv, type FakeAzureKv } from '../helpers/fake-azurekv.js';
import { requireTool } from '../helpers/tools.js';

const hex = (b: Uint8Array | null) => Buffer.from(b ?? []).toString('hex');

describe('Azure Key Vault master key', function () {
  let kv: FakeAzureKv;
  let ctx: KeyContext;
  let version: string;

  before(async function () {
    requireTool(this, 'openssl');
    kv = await startFakeAzureKv();
    version = kv.createKey('sops-key');
    ctx = {
      env: {
        HELM_SECRETS_AZURE_ACCESS_TOKEN: kv.token,
        HELM_SECRETS_AZURE_KV_CA_FILE: kv.caFile,
        HELM_SECRETS_AZURE_KV_SKIP_CHALLENGE_CHECK: 'true',
      },
      timeoutMs: 5000,
      attempts: 3,
    };
  });
  after(async () => kv?.stop());
  beforeEach(() => {
    kv.plan = [];
    kv.fallback = 'ok';
    kv.calls.length = 0;
  });

  it('wraps and unwraps with created_at, enc, name, vault_url, version; enc is unpadded base64url', async () => {
    const part = randomBytes(32);
    const entry = await azureKvKind.wrap({ kind: 'azure_kv', fields: { vault_url: kv.vaultUrl, name: 'sops-key', version } }, part, ctx);
    assert.deepEqual(Object.keys(entry.fields), ['created_at', 'enc', 'name', 'vault_url', 'version']);
    assert.deepEqual([entry.fields.vault_url, entry.fields.name, entry.fields.version], [kv.vaultUrl, 'sops-key', version]);
    assert.match(String(entry.fields.enc), /^[A-Za-z0-9_-]+$/);
    assert.equal(Buffer.from(String(entry.fields.enc), 'base64url').length, 256);
    assert.equal(hex(await azureKvKind.unwrap(entry, ctx)), hex(part));
    const encrypt = kv.calls.find((c) => c.path.endsWith('/encrypt'));
    assert.equal(encrypt?.path, `/keys/sops-key/${version}/encrypt`);
    assert.equal(encrypt?.authorization, `Bearer ${kv.token}`);
  });

  it('pins a missing version to the latest one at creation, and keeps using it after rotation', async () => {
    const part = randomBytes(33);
    const entry = await azureKvKind.wrap({ kind: 'azure_kv', fields: azureKv.fromString(`${kv.vaultUrl}/keys/sops-key`, { awsProfile: '' }).fields }, part, ctx);
    assert.equal(entry.fields.version, version);
    kv.createKey('sops-key');
    assert.equal(hex(await azureKvKind.unwrap(entry, ctx)), hex(part));
    const later = await azureKvKind.wrap({ kind: 'azure_kv', fields: { vaultUrl: kv.vaultUrl, key: 'sops-key', version: '' } }, part, ctx);
    assert.notEqual(later.fields.version, version);
  });

  it('retries throttling, not a denial', async () => {
    const entry = await azureKvKind.wrap({ kind: 'azure_kv', fields: { vault_url: kv.vaultUrl, name: 'sops-key', version } }, randomBytes(32), ctx);
    kv.calls.length = 0;
    kv.plan = ['throttle', 'unavailable'];
    assert.equal((await azureKvKind.unwrap(entry, ctx))?.length, 32);
    kv.fallback = 'denied';
    await assert.rejects(azureKvKind.unwrap(entry, ctx), /403.*does not have keys encrypt permission/);
  });

  it('stops waiting for a hanging vault at the timeout', async () => {
    const entry = await azureKvKind.wrap({ kind: 'azure_kv', fields: { vault_url: kv.vaultUrl, name: 'sops-key', version } }, randomBytes(32), ctx);
    kv.fallback = 'hang';
    await assert.rejects(azureKvKind.unwrap(entry, { ...ctx, timeoutMs: 300, attempts: 2 }), /timed out after 300ms \(after 2 attempts\)/);
  });

  it("a vault_url outside Key Vault's zones (a file naming someone's server) gets no request and no token unless private endpoints are allowed", async () => {
    const entry = await azureKvKind.wrap({ kind: 'azure_kv', fields: { vault_url: kv.vaultUrl, name: 'sops-key', version } }, randomBytes(32), ctx);
    kv.calls.length = 0;
    const strict = { ...ctx, env: { ...ctx.env, HELM_SECRETS_AZURE_KV_SKIP_CHALLENGE_CHECK: '' } };
    const host = new URL(kv.vaultUrl).host;
    await assert.rejects(azureKvKind.unwrap(entry, strict), (err: Error) => {
      assert.equal(err.message, `${host} is not a Key Vault host (*.vault.azure.net and the other clouds' zones); set HELM_SECRETS_AZURE_KV_SKIP_CHALLENGE_CHECK=true to use a private endpoint`);
      assert.ok(!err.message.includes(kv.token));
      return true;
    });
    await assert.rejects(azureKvKind.wrap({ kind: 'azure_kv', fields: { vault_url: kv.vaultUrl, name: 'sops-key', version: '' } }, randomBytes(32), strict), /is not a Key Vault host/);
    assert.deepEqual(kv.calls, []);
    // The zones themselves pass the check (the request then goes to Azure, which is not reached here).
    const { trustedVault } = await import('../../src/keys/azureclient.js');
    for (const url of ['https://my-vault.vault.azure.net', 'https://v.vault.azure.cn', 'https://v.vault.usgovcloudapi.net', 'https://h.managedhsm.azure.net:443']) assert.equal(trustedVault(url, {}), true, url);
    for (const url of ['https://vault.azure.net.evil.example', 'https://evil.example/?.vault.azure.net', 'not a url']) assert.equal(trustedVault(url, {}), false, url);
  });

  it('names unknown keys and bad enc values', async () => {
    await assert.rejects(
      azureKvKind.wrap({ kind: 'azure_kv', fields: { vault_url: kv.vaultUrl, name: 'missing', version: '' } }, randomBytes(32), ctx),
      /failed to fetch Azure Key to retrieve key version: .*404/,
    );
    await assert.rejects(azureKvKind.unwrap({ kind: 'azure_kv', fields: { vault_url: kv.vaultUrl, name: 'sops-key', version, enc: 'a+b/' } }, ctx), /base64/);
  });
});

describe('Azure Key Vault key URLs (the one parser: the kind descriptor)', () => {
  it('parses https://<vault>/keys/<name>[/<version>] like sops', () => {
    const fields = (url: string) => azureKv.fromString(url, { awsProfile: '' }).fields;
    assert.deepEqual(fields('https://v.vault.azure.net/keys/k/abc'), { vault_url: 'https://v.vault.azure.net', name: 'k', version: 'abc' });
    assert.deepEqual(fields(' https://v.vault.azure.net/keys/k '), { vault_url: 'https://v.vault.azure.net', name: 'k', version: '' });
    assert.deepEqual(fields('https://v.vault.azure.net/keys/k/'), { vault_url: 'https://v.vault.azure.net', name: 'k', version: '' });
    assert.throws(() => fields('http://v.vault.azure.net/keys/k'), /could not parse/);
    assert.throws(() => fields('https://v.vault.azure.net/secrets/k'), /could not parse/);
  });
});
