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

/** The DNS zones of Key Vault in Azure's clouds (public, China, US Government, Germany) and of Managed HSM. */
const VAULT_ZONES = /\.(vault\.azure\.net|vault\.azure\.cn|vault\.usgovcloudapi\.net|vault\.microsoftazure\.de|managedhsm\.azure\.net)(:\d+)?$/i;

/**
 * Whether a credential may go to this vault. The vault comes from the file (a master key's vault_url, a reference's
 * vault), so a file written by someone else could name a server of theirs, which would answer the SDK's challenge
 * with its own resource and be handed HELM_SECRETS_AZURE_ACCESS_TOKEN. Only Key Vault's own zones are trusted unless
 * the challenge check is switched off for private endpoints (then the user vouches for the hosts their files name).
 */
export function trustedVault(vaultUrl: string, env: NodeJS.ProcessEnv): boolean {
  let host: string;
  try {
    host = new URL(vaultUrl).host;
  } catch {
    return false;
  }
  return VAULT_ZONES.test(host) || skipsChallengeCheck(env);
}

/** HELM_SECRETS_AZURE_KV_SKIP_CHALLENGE_CHECK: private endpoints, whose challenge names another resource. */
function skipsChallengeCheck(env: NodeJS.ProcessEnv): boolean {
  return /^(1|true)$/i.test(env[AZURE_ENV.skipChallengeCheck] ?? '');
}

/** Why trustedVault refused: one line naming the host and the switch. */
export function untrustedVault(vaultUrl: string): string {
  let host = vaultUrl;
  try {
    host = new URL(vaultUrl).host;
  } catch {
    /* named as written */
  }
  return `${host} is not a Key Vault host (*.vault.azure.net and the other clouds' zones); set ${AZURE_ENV.skipChallengeCheck}=true to use a private endpoint`;
}

/** Options every Key Vault client takes. */
export function azureClientOptions(env: NodeJS.ProcessEnv) {
  const caFile = env[AZURE_ENV.caFile];
  return {
    // The SDK's own retries are off so retry.ts alone bounds the time spent.
    retryOptions: { maxRetries: 0 },
    ...(caFile ? { tlsOptions: { ca: readFileSync(caFile, 'utf8') } } : {}),
    // Vaults outside *.vault.azure.net (sovereign clouds, private endpoints) answer the challenge with their own resource.
    disableChallengeResourceVerification: skipsChallengeCheck(env),
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
