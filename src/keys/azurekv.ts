// The Azure Key Vault master key: RSA-OAEP-256 encrypt/decrypt of the data key with vault_url/name/version,
// the result stored base64url without padding as sops stores it; a missing version is pinned to the latest.
import { readFileSync } from 'node:fs';
import { isNetworkError, withRetries } from './retry.js';
import { nowRfc3339 } from '../clock.js';
import { sdk } from './sdk.js';
import { splitAzureKeyUrl } from './kinds/azurekv.js';
import type { KeyContext, KeyEntry, KeyFields, KeyOps, KeySpec } from './types.js';
import { redactUrl } from '../redact.js';

/** Our variables: a static bearer token for Key Vault, and a PEM CA bundle for private endpoints. */
export const AZURE_ENV = {
  token: 'HELM_SECRETS_AZURE_ACCESS_TOKEN',
  caFile: 'HELM_SECRETS_AZURE_KV_CA_FILE',
} as const;

export interface AzureKeyRef {
  vault_url: string;
  name: string;
  version: string;
}

/** sops's key URL syntax `https://<vault>/keys/<name>[/<version>]`. */
export function parseAzureKeyUrl(url: string): AzureKeyRef {
  const ref = splitAzureKeyUrl(url);
  if (!ref) throw new Error(`could not parse "${redactUrl(url)}" into a valid Azure Key Vault key (https://<vault>/keys/<name>[/<version>])`);
  return ref;
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
      isTransient,
      explain,
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
      isTransient,
      explain,
    );
    return new Uint8Array(out.result);
  },
};

function refFromFields(f: KeyFields): AzureKeyRef {
  if (typeof f.url === 'string' && f.url !== '') return parseAzureKeyUrl(f.url);
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
type TokenCredential = import('@azure/core-auth').TokenCredential;

interface Session {
  crypto(ref: AzureKeyRef): CryptographyClient;
  keyClient(vaultUrl: string): import('@azure/keyvault-keys').KeyClient;
}

/** Loads the SDK, picks the credential, and fixes the client options shared by every call. */
async function openSession(ctx: KeyContext): Promise<Session> {
  const { CryptographyClient, KeyClient } = sdk<typeof import('@azure/keyvault-keys')>('@azure/keyvault-keys');
  const credential = await tokenCredential(ctx.env);
  const caFile = ctx.env[AZURE_ENV.caFile];
  const options = {
    // The SDK's own retries are off so retry.ts alone bounds the time spent.
    retryOptions: { maxRetries: 0 },
    ...(caFile ? { tlsOptions: { ca: readFileSync(caFile, 'utf8') } } : {}),
    // Vaults outside *.vault.azure.net (sovereign clouds, private endpoints) answer the challenge with their own resource.
    disableChallengeResourceVerification: /^(1|true)$/i.test(ctx.env.HELM_SECRETS_AZURE_KV_SKIP_CHALLENGE_CHECK ?? ''),
  };
  return {
    crypto: (ref) => new CryptographyClient(`${ref.vault_url}/keys/${ref.name}/${ref.version}`, credential, options),
    keyClient: (vaultUrl) => new KeyClient(vaultUrl, credential, options),
  };
}

/** HELM_SECRETS_AZURE_ACCESS_TOKEN as a fixed token, else DefaultAzureCredential as sops uses. */
async function tokenCredential(env: NodeJS.ProcessEnv): Promise<TokenCredential> {
  const token = env[AZURE_ENV.token];
  if (token) {
    return { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) };
  }
  const { DefaultAzureCredential } = sdk<typeof import('@azure/identity')>('@azure/identity');
  return new DefaultAzureCredential();
}

async function latestVersion(ref: AzureKeyRef, session: Session, ctx: KeyContext): Promise<string> {
  const client = session.keyClient(ref.vault_url);
  const key = await withRetries(ctx, (abortSignal) => client.getKey(ref.name, { abortSignal }), isTransient, explain).catch(
    (err: unknown) => {
      throw new Error(`failed to fetch Azure Key to retrieve key version: ${err instanceof Error ? err.message : String(err)}`);
    },
  );
  const version = key.properties.version;
  if (!version) throw new Error(`Azure Key Vault returned no version for key ${ref.name}`);
  return version;
}

function isTransient(err: unknown): boolean {
  const status = (err as { statusCode?: number })?.statusCode;
  if (status === 429 || (status !== undefined && status >= 500)) return true;
  if ((err as { code?: string })?.code === 'REQUEST_SEND_ERROR') return true;
  return isNetworkError(err);
}

function explain(err: unknown): string {
  const e = err as { statusCode?: number; code?: string; message?: string };
  const msg = String(e?.message ?? err).replace(/\s*\r?\n\s*/g, ' ').trim();
  if (e?.statusCode) return `${e.code ? `${e.code} ` : ''}(status ${e.statusCode}): ${msg}`;
  return msg;
}
