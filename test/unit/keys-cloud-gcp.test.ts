// GCP KMS master key against a local Cloud KMS speaking the real gRPC service (and its REST mapping):
// entries as sops writes them, the access token sent, retries on throttling, none on denial, timeouts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gcpKmsKind } from '../../src/keys/gcpkms.js';
import { keySpecsFromFlags } from '../../src/config/keyspecs.js';
import type { KeyContext } from '../../src/keys/types.js';
import { startFakeGcpKms, type FakeGcpKms } from '../helpers/fake-gcpkms.js';

const RESOURCE = 'projects/p1/locations/global/keyRings/ring/cryptoKeys/sops';
const hex = (b: Uint8Array | null) => Buffer.from(b ?? []).toString('hex');

for (const transport of ['grpc', 'rest'] as const) {
  describe(`GCP KMS master key (${transport})`, () => {
    let fake: FakeGcpKms;
    let ctx: KeyContext;

    before(async () => {
      fake = await startFakeGcpKms({ rest: transport === 'rest' });
      ctx = {
        env: {
          SOPS_GCP_KMS_ENDPOINT: fake.endpoint,
          GOOGLE_OAUTH_ACCESS_TOKEN: 'ya29.test-token',
          ...(transport === 'rest' ? { SOPS_GCP_KMS_CLIENT_TYPE: 'rest' } : {}),
        },
        timeoutMs: 5000,
        attempts: 3,
      };
    });
    after(async () => fake?.stop());
    beforeEach(() => {
      fake.plan = [];
      fake.fallback = 'ok';
      fake.calls.length = 0;
    });

    it('wraps and unwraps with created_at, enc, resource_id; enc is std base64 of the ciphertext', async () => {
      const part = randomBytes(32);
      const entry = await gcpKmsKind.wrap({ kind: 'gcp_kms', fields: { resource_id: RESOURCE } }, part, ctx);
      assert.deepEqual(Object.keys(entry.fields), ['created_at', 'enc', 'resource_id']);
      assert.equal(entry.fields.resource_id, RESOURCE);
      assert.match(String(entry.fields.created_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const blob = Buffer.from(String(entry.fields.enc), 'base64');
      assert.equal(blob.toString('base64'), entry.fields.enc);
      assert.equal(blob.indexOf(part), -1);
      assert.equal(hex(await gcpKmsKind.unwrap(entry, ctx)), hex(part));
      assert.deepEqual(
        fake.calls.map((c) => [c.method, c.name, c.authorization]),
        [
          ['Encrypt', RESOURCE, 'Bearer ya29.test-token'],
          ['Decrypt', RESOURCE, 'Bearer ya29.test-token'],
        ],
      );
    });

    it('retries throttling and unavailability, then succeeds', async () => {
      const entry = await gcpKmsKind.wrap({ kind: 'gcp_kms', fields: { resource_id: RESOURCE } }, randomBytes(32), ctx);
      fake.calls.length = 0;
      fake.plan = ['throttle', 'unavailable'];
      assert.equal((await gcpKmsKind.unwrap(entry, ctx))?.length, 32);
      assert.equal(fake.calls.length, 3);
    });

    it('does not retry a denial and says so', async () => {
      const entry = await gcpKmsKind.wrap({ kind: 'gcp_kms', fields: { resource_id: RESOURCE } }, randomBytes(32), ctx);
      fake.calls.length = 0;
      fake.fallback = 'denied';
      await assert.rejects(gcpKmsKind.unwrap(entry, ctx), /PERMISSION_DENIED.*denied/);
      assert.equal(fake.calls.length, 1);
    });

    it('gives up on a hanging server after the configured attempts', async () => {
      const entry = await gcpKmsKind.wrap({ kind: 'gcp_kms', fields: { resource_id: RESOURCE } }, randomBytes(32), ctx);
      fake.calls.length = 0;
      fake.fallback = 'hang';
      await assert.rejects(gcpKmsKind.unwrap(entry, { ...ctx, timeoutMs: 300, attempts: 2 }), /(timed out|DEADLINE_EXCEEDED).*after 2 attempts/);
      assert.equal(fake.calls.length, 2);
    });

    it('refuses a malformed resource id before calling out, and a ciphertext for another key', async () => {
      await assert.rejects(gcpKmsKind.wrap({ kind: 'gcp_kms', fields: { resource_id: 'projects/p/keys/k' } }, randomBytes(32), ctx), /no valid resource ID found/);
      const entry = await gcpKmsKind.wrap({ kind: 'gcp_kms', fields: { resource_id: RESOURCE } }, randomBytes(32), ctx);
      await assert.rejects(gcpKmsKind.unwrap({ kind: 'gcp_kms', fields: { ...entry.fields, resource_id: `${RESOURCE}2` } }, ctx), /invalid/i);
    });
  });
}

describe('GCP KMS key strings', () => {
  it('splits SOPS_GCP_KMS_IDS on commas and removes spaces (the flag path every kind shares)', () => {
    assert.deepEqual(keySpecsFromFlags({}, { SOPS_GCP_KMS_IDS: 'projects/a/locations/l/keyRings/r/cryptoKeys/k, projects/b/locations/l/keyRings/r/cryptoKeys/k' }), [
      { kind: 'gcp_kms', fields: { resource_id: 'projects/a/locations/l/keyRings/r/cryptoKeys/k' } },
      { kind: 'gcp_kms', fields: { resource_id: 'projects/b/locations/l/keyRings/r/cryptoKeys/k' } },
    ]);
    assert.equal(keySpecsFromFlags({}, { SOPS_GCP_KMS_IDS: '' }), undefined);
  });
});
