// `ref+azurekeyvault://VAULT/SECRET[/VERSION][#/key/in/secret]`: a secret of Azure Key Vault (Get Secret; the
// current version unless one is named), as vals reads it. VAULT is a vault name in the public cloud
// (`my-vault` is https://my-vault.vault.azure.net) or, with a dot in it, the host of any other cloud's vault.
// Credentials and client options are the Key Vault master key's (src/keys/azureclient.ts), with vals's AZKV_AUTH.
import { AZURE_ENV, azureClientOptions, azureCredential, explainAzure, isAzureTransient, trustedVault, untrustedVault } from '../keys/azureclient.js';
import { withRetries } from '../keys/retry.js';
import { sdk } from '../keys/sdk.js';
import { ClientPool, malformed, settingsKey, storeFailure } from './remote.js';
import { RefFetchError, type ParsedRef, type RefContext, type RefFailure, type RefProvider } from './types.js';

type SecretClient = import('@azure/keyvault-secrets').SecretClient;

/** Vault URL, secret name and version (or '') as vals splits the key. */
function parseAzureSecretKey(key: string): { vaultUrl: string; name: string; version: string } {
  const parts = key.replace(/\/$/, '').split('/');
  if (parts.length < 2 || parts.length > 3) throw malformed('expected ref+azurekeyvault://VAULT/SECRET[/VERSION]');
  const [vault, name, version = ''] = parts as [string, string, string?];
  if (vault.trim() === '') throw malformed('no key vault name (ref+azurekeyvault://VAULT/SECRET)');
  if (name.trim() === '') throw malformed('no secret name (ref+azurekeyvault://VAULT/SECRET)');
  // A host, optionally with a port: nothing that could move the request elsewhere (userinfo, a path, a query).
  if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(vault)) throw malformed(`"${vault}" is not a key vault name or host`);
  const vaultUrl = `https://${vault}${vault.includes('.') ? '' : '.vault.azure.net'}`;
  return { vaultUrl, name, version };
}

const pool = new ClientPool<SecretClient>(() => undefined);

export const provider: RefProvider = {
  async fetch(ref: ParsedRef, ctx: RefContext): Promise<unknown> {
    const { vaultUrl, name, version } = parseAzureSecretKey(ref.key);
    if (!trustedVault(vaultUrl, ctx.env)) throw new RefFetchError('denied', untrustedVault(vaultUrl));
    const create = async (): Promise<SecretClient> => {
      const { SecretClient } = sdk<typeof import('@azure/keyvault-secrets')>('@azure/keyvault-secrets');
      return new SecretClient(vaultUrl, azureCredential(ctx.env, true), azureClientOptions(ctx.env));
    };
    const key = settingsKey([vaultUrl, ctx.env.AZKV_AUTH, ...Object.values(AZURE_ENV).map((k) => ctx.env[k])]);
    const secret = await pool
      .use(key, create, (client) =>
        withRetries(ctx, (abortSignal) => client.getSecret(name, { abortSignal, ...(version ? { version } : {}) }), isAzureTransient, explainAzure),
      )
      .catch((err: unknown) => {
        throw storeFailure(err, classifyAzure);
      });
    if (typeof secret.value !== 'string') throw new RefFetchError('failed', `Key Vault returned no value for secret ${name}`);
    return secret.value;
  },
};

/** By the HTTP status Key Vault answered. */
function classifyAzure(cause: unknown): RefFailure | undefined {
  const status = (cause as { statusCode?: number })?.statusCode;
  if (status === 404) return 'not-found';
  if (status === 401 || status === 403) return 'denied';
  if ((cause as { code?: string })?.code === 'REQUEST_SEND_ERROR') return 'unreachable';
  return undefined;
}
