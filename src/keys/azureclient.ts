// What every Azure Key Vault client here shares, the keys of the master key and the secrets of references alike:
// the credential (a fixed token from HELM_SECRETS_AZURE_ACCESS_TOKEN, else the azidentity chain, which vals's
// AZKV_AUTH narrows for references), the client options (the SDK's retries off, a private CA, the challenge check),
// which failures are worth another try, and how a service's error reads in one line.
import { readFileSync } from 'node:fs';
import { isNetworkError } from './retry.js';
import { sdk } from './sdk.js';

/** Our variables: a static bearer token for Key Vault, a PEM CA bundle for private endpoints, the challenge check. */
export const AZURE_ENV = {
  token: 'HELM_SECRETS_AZURE_ACCESS_TOKEN',
  caFile: 'HELM_SECRETS_AZURE_KV_CA_FILE',
  skipChallengeCheck: 'HELM_SECRETS_AZURE_KV_SKIP_CHALLENGE_CHECK',
} as const;

type TokenCredential = import('@azure/core-auth').TokenCredential;

/** Options every Key Vault client takes. */
export function azureClientOptions(env: NodeJS.ProcessEnv) {
  const caFile = env[AZURE_ENV.caFile];
  return {
    // The SDK's own retries are off so retry.ts alone bounds the time spent.
    retryOptions: { maxRetries: 0 },
    ...(caFile ? { tlsOptions: { ca: readFileSync(caFile, 'utf8') } } : {}),
    // Vaults outside *.vault.azure.net (sovereign clouds, private endpoints) answer the challenge with their own resource.
    disableChallengeResourceVerification: /^(1|true)$/i.test(env[AZURE_ENV.skipChallengeCheck] ?? ''),
  };
}

/**
 * HELM_SECRETS_AZURE_ACCESS_TOKEN as a fixed token, else DefaultAzureCredential as sops uses. With `valsAuth`
 * (references), AZKV_AUTH picks one credential as vals does: default, workload, managed, cli or devcli.
 */
export function azureCredential(env: NodeJS.ProcessEnv, valsAuth = false): TokenCredential {
  const token = env[AZURE_ENV.token];
  if (token) {
    return { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) };
  }
  const id = sdk<typeof import('@azure/identity')>('@azure/identity');
  const choice = valsAuth ? (env.AZKV_AUTH ?? '') : '';
  switch (choice) {
    case '':
    case 'default':
      return new id.DefaultAzureCredential();
    case 'workload':
      return new id.WorkloadIdentityCredential();
    case 'managed':
      return new id.ManagedIdentityCredential();
    case 'cli':
      return new id.AzureCliCredential();
    case 'devcli':
      return new id.AzureDeveloperCliCredential();
    default:
      throw new Error("Environment variable 'AZKV_AUTH' is set to an unsupported value (default, workload, managed, cli, devcli)");
  }
}

export function isAzureTransient(err: unknown): boolean {
  const status = (err as { statusCode?: number })?.statusCode;
  if (status === 429 || (status !== undefined && status >= 500)) return true;
  if ((err as { code?: string })?.code === 'REQUEST_SEND_ERROR') return true;
  return isNetworkError(err);
}

export function explainAzure(err: unknown): string {
  const e = err as { statusCode?: number; code?: string; message?: string };
  const msg = String(e?.message ?? err).replace(/\s*\r?\n\s*/g, ' ').trim();
  if (e?.statusCode) return `${e.code ? `${e.code} ` : ''}(status ${e.statusCode}): ${msg}`;
  return msg;
}
