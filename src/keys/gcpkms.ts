// The Google Cloud KMS master key: Encrypt/Decrypt with the key's resource id over gRPC (or REST),
// with sops's credential sources (GOOGLE_CREDENTIALS, GOOGLE_OAUTH_ACCESS_TOKEN, then application defaults).
import { gcpClientOptions, gcpUnary } from './gcpclient.js';
import { nowRfc3339 } from '../clock.js';
import { sdk } from './sdk.js';
import type { KeyContext, KeyEntry, KeyOps, KeySpec } from './types.js';

const RESOURCE_RE = /^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/;

export const gcpKmsKind: KeyOps = {
  async wrap(spec: KeySpec, part: Uint8Array, ctx: KeyContext): Promise<KeyEntry> {
    const name = String(spec.fields.resource_id ?? '').replace(/ /g, '');
    const res = await kmsCall(name, ctx, 'encrypt', { name, plaintext: Buffer.from(part) });
    if (!res.ciphertext) throw new Error('GCP KMS returned no ciphertext');
    return {
      kind: spec.kind,
      fields: { created_at: nowRfc3339(), enc: Buffer.from(res.ciphertext).toString('base64'), resource_id: name },
    };
  },

  async unwrap(entry: KeyEntry, ctx: KeyContext): Promise<Uint8Array | null> {
    const enc = entry.fields.enc;
    if (typeof enc !== 'string' || enc === '') throw new Error('the entry has no enc value');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(enc)) throw new Error('the enc value is not base64');
    const name = String(entry.fields.resource_id ?? '');
    const res = await kmsCall(name, ctx, 'decrypt', { name, ciphertext: Buffer.from(enc, 'base64') });
    if (!res.plaintext) throw new Error('GCP KMS returned no plaintext');
    return new Uint8Array(res.plaintext);
  },
};

interface KmsResponse {
  ciphertext?: Uint8Array | string | null;
  plaintext?: Uint8Array | string | null;
}

async function kmsCall(
  name: string,
  ctx: KeyContext,
  method: 'encrypt' | 'decrypt',
  request: Record<string, unknown>,
): Promise<{ ciphertext?: Buffer; plaintext?: Buffer }> {
  if (!RESOURCE_RE.test(name)) throw new Error(`no valid resource ID found in "${name}"`);
  const { client, headers } = newClient(ctx);
  try {
    const res = await gcpUnary<KmsResponse>(client, method, request, headers, ctx);
    const bytes = (v: Uint8Array | string | null | undefined) =>
      v == null ? undefined : typeof v === 'string' ? Buffer.from(v, 'base64') : Buffer.from(v);
    return { ciphertext: bytes(res.ciphertext), plaintext: bytes(res.plaintext) };
  } finally {
    await client.close().catch(() => undefined);
  }
}

type KmsClient = import('@google-cloud/kms').KeyManagementServiceClient;

/**
 * A client configured like sops's: SOPS_GCP_KMS_ENDPOINT (host:port; an `http://` prefix means a
 * plaintext channel, for local servers), else SOPS_GCP_KMS_UNIVERSE_DOMAIN; SOPS_GCP_KMS_CLIENT_TYPE=rest
 * for the REST transport. Credentials as gcpclient.ts reads them.
 */
function newClient(ctx: KeyContext): { client: KmsClient; headers: Record<string, string> } {
  const env = ctx.env;
  const { KeyManagementServiceClient } = sdk<typeof import('@google-cloud/kms')>('@google-cloud/kms');
  const { opts, headers } = gcpClientOptions(env, {
    endpoint: env.SOPS_GCP_KMS_ENDPOINT,
    universeDomain: env.SOPS_GCP_KMS_UNIVERSE_DOMAIN,
    rest: (env.SOPS_GCP_KMS_CLIENT_TYPE ?? '').toLowerCase() === 'rest',
  });
  return { client: new KeyManagementServiceClient(opts as ConstructorParameters<typeof KeyManagementServiceClient>[0]), headers };
}
