// The Azure Key Vault master key: RSA-OAEP-256 encrypt/decrypt of the data key with vault_url/name/version,
// the result stored base64url without padding as sops stores it; a missing version is pinned to the latest.
import { azureClientOptions, azureCredential, explainAzure, isAzureTransient, trustedVault, untrustedVault } from './azureclient.js';
import { withRetries } from './retry.js';
import { nowRfc3339 } from '../clock.js';
import { sdk } from './sdk.js';
import type { KeyContext, KeyEntry, KeyFields, KeyOps, KeySpec } from './types.js';

export interface AzureKeyRef {
  vault_url: string;
  name: string;
  version: string;
}

export const azureKvKind: KeyOps = {
  async wrap(spec: KeySpec, part: Uint8Array, ctx: KeyContext): Promise<KeyEntry> {
    const ref = refFromFields(spec.fields);
    const session = await openSession(ctx);
    if (!ref.version) ref.version = await latestVersion(ref, session, ctx);
    const client = session.crypto(ref);
    const out = await withRetries(
      ctx,
      (abortSignal) => client.encrypt({ algorithm: 'RSA-OAEP-256', plaintext: part }, { abortSignal }),
      isAzureTransient,
      explainAzure,
    );
    return {
      kind: spec.kind,
      fields: {
        created_at: nowRfc3339(),
        enc: Buffer.from(out.result).toString('base64url'),
        name: ref.name,
        vault_url: ref.vault_url,
        version: ref.version,
      },
    };
  },

  async unwrap(entry: KeyEntry, ctx: KeyContext): Promise<Uint8Array | null> {
    const enc = entry.fields.enc;
    if (typeof enc !== 'string' || enc === '') throw new Error('the entry has no enc value');
    if (!/^[A-Za-z0-9_-]*$/.test(enc)) throw new Error('failed to base64 decode Azure Key Vault encrypted key');
    const ref = refFromFields(entry.fields);
    const client = (await openSession(ctx)).crypto(ref);
    const out = await withRetries(
      ctx,
      (abortSignal) => client.decrypt({ algorithm: 'RSA-OAEP-256', ciphertext: Buffer.from(enc, 'base64url') }, { abortSignal }),
      isAzureTransient,
      explainAzure,
    );
    return new Uint8Array(out.result);
  },
};

function refFromFields(f: KeyFields): AzureKeyRef {
  // Creation rules name these vaultUrl/key; entries name them vault_url/name.
  const ref = {
    vault_url: String(f.vault_url ?? f.vaultUrl ?? '').replace(/\/+$/, ''),
    name: String(f.name ?? f.key ?? ''),
    version: String(f.version ?? ''),
  };
  if (!ref.vault_url || !ref.name) throw new Error('the Azure Key Vault key needs vault_url and name');
  return ref;
}

type CryptographyClient = import('@azure/keyvault-keys').CryptographyClient;

interface Session {
  crypto(ref: AzureKeyRef): CryptographyClient;
  keyClient(vaultUrl: string): import('@azure/keyvault-keys').KeyClient;
}

/** Loads the SDK, picks the credential, and fixes the client options shared by every call. */
async function openSession(ctx: KeyContext): Promise<Session> {
  const { CryptographyClient, KeyClient } = sdk<typeof import('@azure/keyvault-keys')>('@azure/keyvault-keys');
  const credential = azureCredential(ctx.env);
  const options = azureClientOptions(ctx.env);
  // The file names the vault: no client (and so no credential) for a host outside Key Vault's zones (azureclient.ts).
  const vault = (url: string) => {
    if (!trustedVault(url, ctx.env)) throw new Error(untrustedVault(url));
    return url;
  };
  return {
    crypto: (ref) => new CryptographyClient(`${vault(ref.vault_url)}/keys/${ref.name}/${ref.version}`, credential, options),
    keyClient: (vaultUrl) => new KeyClient(vault(vaultUrl), credential, options),
  };
}

async function latestVersion(ref: AzureKeyRef, session: Session, ctx: KeyContext): Promise<string> {
  const client = session.keyClient(ref.vault_url);
  const key = await withRetries(ctx, (abortSignal) => client.getKey(ref.name, { abortSignal }), isAzureTransient, explainAzure).catch(
    (err: unknown) => {
      throw new Error(`failed to fetch Azure Key to retrieve key version: ${err instanceof Error ? err.message : String(err)}`);
    },
  );
  const version = key.properties.version;
  if (!version) throw new Error(`Azure Key Vault returned no version for key ${ref.name}`);
  return version;
}
