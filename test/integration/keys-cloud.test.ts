// The data key across every kind at once: AWS KMS (moto), GCP KMS, Vault and Azure Key Vault (local servers
// on their real protocols), age and PGP; key specs built by the config code; Shamir key groups with a
// threshold; and a failing service that costs bounded retries before the next key opens the file.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateIdentity, identityToRecipient } from 'age-encryption';
import { awsKms } from '../../src/keys/kinds/awskms.js';
import { azureKv } from '../../src/keys/kinds/azurekv.js';
import { gcpKms } from '../../src/keys/kinds/gcpkms.js';
import { hcVault } from '../../src/keys/kinds/hcvault.js';
import { clearAgeIdentityCache } from '../../src/keys/age.js';
import { recoverDataKey, wrapDataKey } from '../../src/keys/datakey.js';
import type { KeyEntry, KeySpec } from '../../src/keys/types.js';
import { startFakeAzureKv, type FakeAzureKv } from '../helpers/fake-azurekv.js';
import { startFakeGcpKms, type FakeGcpKms } from '../helpers/fake-gcpkms.js';
import { startFakeVault, type FakeVault } from '../helpers/fake-vault.js';
import { createKmsKey, startMoto, type Moto } from '../helpers/moto.js';
import { SOPS_VECTORS } from '../helpers/paths.js';
import { requireTool } from '../helpers/tools.js';

const NO_CTX = { awsProfile: '' };

const ASC = readFileSync(join(SOPS_VECTORS, 'pgp', 'sops_functional_tests_key.asc'), 'utf8');
const FP = 'FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4';
const GCP_KEY = 'projects/p/locations/europe-west1/keyRings/r/cryptoKeys/sops';
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Every k-subset of 0..n-1. */
function choose(n: number, k: number): number[][] {
  if (k === 0) return [[]];
  if (n < k) return [];
  return [...choose(n - 1, k - 1).map((s) => [...s, n - 1]), ...choose(n - 1, k)];
}

describe('cloud master keys with the data key (mixed kinds, key groups, fallback)', function () {
  this.timeout(120_000);
  let moto: Moto;
  let gcp: FakeGcpKms;
  let vault: FakeVault;
  let azure: FakeAzureKv;
  let env: NodeJS.ProcessEnv;
  let specs: Record<'kms' | 'gcp_kms' | 'hc_vault' | 'azure_kv' | 'age' | 'pgp', KeySpec>;
  let ageIdentity: string;

  before(async function () {
    requireTool(this, 'moto_server');
    requireTool(this, 'openssl');
    [moto, gcp, vault, azure] = await Promise.all([startMoto(), startFakeGcpKms(), startFakeVault(), startFakeAzureKv()]);
    const arn = await createKmsKey(moto, 'us-west-2');
    azure.createKey('sops');
    ageIdentity = await generateIdentity();
    env = {
      PATH: process.env.PATH,
      HOME: '/nonexistent-home',
      SOPS_GPG_EXEC: '/nonexistent/gpg',
      SOPS_PGP_KEY: ASC,
      ...moto.env,
      SOPS_GCP_KMS_ENDPOINT: gcp.endpoint,
      GOOGLE_OAUTH_ACCESS_TOKEN: 'ya29.mixed',
      VAULT_TOKEN: vault.token,
      HELM_SECRETS_AZURE_ACCESS_TOKEN: azure.token,
      HELM_SECRETS_AZURE_KV_CA_FILE: azure.caFile,
      HELM_SECRETS_AZURE_KV_SKIP_CHALLENGE_CHECK: 'true',
      HELM_SECRETS_KEY_SERVICE_TIMEOUT: '5s',
      HELM_SECRETS_KEY_SERVICE_ATTEMPTS: '2',
    };
    specs = {
      kms: awsKms.fromString(`${arn}+arn:aws:iam::123456789012:role/sops`, { context: { purpose: 'helm' }, awsProfile: '' }),
      gcp_kms: gcpKms.fromString(GCP_KEY, NO_CTX),
      hc_vault: hcVault.fromString(`${vault.address}/v1/transit/keys/sops`, NO_CTX),
      azure_kv: azureKv.fromString(`${azure.vaultUrl}/keys/sops`, NO_CTX),
      age: { kind: 'age', fields: { recipient: await identityToRecipient(ageIdentity) } },
      pgp: { kind: 'pgp', fields: { fp: FP } },
    };
  });
  after(async () => {
    await Promise.all([moto?.stop(), gcp?.stop(), vault?.stop(), azure?.stop()]);
  });
  beforeEach(() => {
    clearAgeIdentityCache();
    for (const s of [gcp, vault, azure].filter(Boolean)) {
      s.plan = [];
      s.fallback = 'ok';
    }
  });

  it('one group of six kinds: every key wraps the data key and each one alone recovers it', async () => {
    const dataKey = randomBytes(32);
    const group = [specs.age, specs.pgp, specs.kms, specs.gcp_kms, specs.hc_vault, specs.azure_kv];
    const wrapped = await wrapDataKey(dataKey, [group], undefined, { env: { ...env, SOPS_AGE_KEY: ageIdentity } });
    assert.equal(wrapped.shamirThreshold, 0);
    const entries = wrapped.keyGroups[0]!;
    const byKind = Object.fromEntries(entries.map((e) => [e.kind, e.fields]));
    assert.deepEqual(Object.keys(byKind.kms!), ['arn', 'aws_profile', 'context', 'created_at', 'enc', 'role']);
    assert.deepEqual(byKind.kms!.context, { purpose: 'helm' });
    assert.deepEqual(Object.keys(byKind.gcp_kms!), ['created_at', 'enc', 'resource_id']);
    assert.deepEqual(Object.keys(byKind.hc_vault!), ['created_at', 'enc', 'engine_path', 'key_name', 'vault_address']);
    assert.deepEqual(Object.keys(byKind.azure_kv!), ['created_at', 'enc', 'name', 'vault_url', 'version']);
    assert.notEqual(byKind.azure_kv!.version, '');

    for (const entry of entries) {
      // Only this entry, with nothing else able to help (no age identity, so age fails for others).
      const got = await recoverDataKey([[entry]], 0, { env: entry.kind === 'age' ? { ...env, SOPS_AGE_KEY: ageIdentity } : env });
      assert.equal(hex(got), hex(dataKey), `${entry.kind} alone`);
    }
  });

  it('Shamir across four cloud groups with threshold 2: any two groups recover, one alone does not', async () => {
    const dataKey = randomBytes(32);
    const kinds = ['kms', 'gcp_kms', 'hc_vault', 'azure_kv'] as const;
    const wrapped = await wrapDataKey(dataKey, kinds.map((k) => [specs[k]]), 2, { env });
    assert.equal(wrapped.shamirThreshold, 2);
    const offline: KeyEntry = { kind: 'hc_vault', fields: { vault_address: 'http://127.0.0.1:9', engine_path: 'x', key_name: 'y', enc: 'vault:v1:AAAA', created_at: '2024-01-01T00:00:00Z' } };
    // A group is "absent" when its only key points at a closed port.
    const keep = (subset: number[]) => wrapped.keyGroups.map((g, i) => (subset.includes(i) ? g : [offline]));
    for (const subset of [...choose(4, 2), ...choose(4, 3)]) {
      assert.equal(hex(await recoverDataKey(keep(subset), 2, { env, attempts: 1 })), hex(dataKey), `groups ${subset}`);
    }
    for (const [i] of choose(4, 1)) {
      await assert.rejects(recoverDataKey(keep([i!]), 2, { env, attempts: 1 }), /2 of 4 key groups needed, 1 recovered/);
    }
  });

  it('groups mixing age, PGP and cloud kinds with threshold 2 of 3', async () => {
    const dataKey = randomBytes(32);
    const groups = [[specs.age, specs.kms], [specs.pgp], [specs.gcp_kms, specs.azure_kv]];
    const wrapped = await wrapDataKey(dataKey, groups, 2, { env: { ...env, SOPS_AGE_KEY: ageIdentity } });
    // Without the age identity and with KMS refusing (wrong context), group 1 is lost; 2 and 3 suffice.
    const g1 = wrapped.keyGroups[0]!.map((e) => (e.kind === 'kms' ? { ...e, fields: { ...e.fields, context: { purpose: 'other' } } } : e));
    const keyGroups = [g1, wrapped.keyGroups[1]!, wrapped.keyGroups[2]!];
    assert.equal(hex(await recoverDataKey(keyGroups, 2, { env })), hex(dataKey));
    // With PGP gone too, only one group is left.
    await assert.rejects(
      recoverDataKey(keyGroups, 2, { env: { ...env, SOPS_PGP_KEY: '' } }),
      (err: Error) => /2 of 3 key groups needed, 1 recovered/.test(err.message) && /InvalidCiphertextException/.test(err.message),
    );
  });

  it('a throttling, then hanging, then denying service costs bounded retries and the next key opens the file', async () => {
    const dataKey = randomBytes(32);
    const group = [specs.gcp_kms, specs.hc_vault, specs.azure_kv];
    const wrapped = await wrapDataKey(dataKey, [group], undefined, { env });
    const order = { decryptionOrder: ['gcp_kms', 'hc_vault', 'azure_kv'] };
    const fast = { ...env, HELM_SECRETS_KEY_SERVICE_TIMEOUT: '300ms', HELM_SECRETS_KEY_SERVICE_ATTEMPTS: '2' };

    gcp.fallback = 'throttle';
    vault.fallback = 'hang';
    const started = Date.now();
    assert.equal(hex(await recoverDataKey(wrapped.keyGroups, 0, { env: fast, ...order })), hex(dataKey));
    // Generous bound: two kinds × two attempts × (300ms + backoff), far below the 20s default timeout.
    assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started}ms`);
    assert.equal(azure.calls.filter((c) => c.path.endsWith('/decrypt')).length > 0, true);

    azure.fallback = 'denied';
    await assert.rejects(recoverDataKey(wrapped.keyGroups, 0, { env: fast, ...order }), (err: Error) => {
      assert.match(err.message, /^failed to get the data key: /);
      assert.match(err.message, new RegExp(`gcp_kms ${GCP_KEY}: RESOURCE_EXHAUSTED: .*\\(after 2 attempts\\)`));
      assert.match(err.message, /hc_vault http:\/\/127\.0\.0\.1:\d+\/v1\/transit\/keys\/sops: timed out after 300ms \(after 2 attempts\)/);
      assert.match(err.message, /azure_kv https:\/\/127\.0\.0\.1:\d+\/keys\/sops\/\w+: Forbidden \(status 403\)/);
      return true;
    });
  });
});
