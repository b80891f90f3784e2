// `ref+azurekeyvault://VAULT/SECRET[/VERSION][#/key/in/secret]`: a secret of Azure Key Vault (Get Secret; the
// current version unless one is named), as vals reads it. VAULT is a vault name in the public cloud
// (`my-vault` is https://my-vault.vault.azure.net) or, with a dot in it, the host of any other cloud's vault.
// Credentials and client options are the Key Vault master key's (src/keys/azureclient.ts), with vals's AZKV_AUTH.
import { AZURE_ENV, azureClientOptions, azureCredential, explainAzure, isAzureTransient } from '../keys/azureclient.js';
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

/** The DNS zones of Key Vault in Azure's clouds (public, China, US Government, Germany) and of Managed HSM. */
const VAULT_ZONES = /\.(vault\.azure\.net|vault\.azure\.cn|vault\.usgovcloudapi\.net|vault\.microsoftazure\.de|managedhsm\.azure\.net)(:\d+)?$/i;

/**
 * Whether the credential may go to this vault. A values file names the vault, so one written by someone else could
 * name a server of theirs: the token goes only to Key Vault's own zones unless the challenge check is switched off
 * for private endpoints (HELM_SECRETS_AZURE_KV_SKIP_CHALLENGE_CHECK), which trusts the hosts the user names.
 */
function trustedVault(vaultUrl: string, env: NodeJS.ProcessEnv): boolean {
  return VAULT_ZONES.test(new URL(vaultUrl).host) || /^(1|true)$/i.test(env[AZURE_ENV.skipChallengeCheck] ?? '');
}

const pool = new ClientPool<SecretClient>(() => undefined);

export const provider: RefProvider = {
  async fetch(ref: ParsedRef, ctx: RefContext): Promise<unknown> {
    const { vaultUrl, name, version } = parseAzureSecretKey(ref.key);
    if (!trustedVault(vaultUrl, ctx.env)) {
      throw new RefFetchError('denied', `${new URL(vaultUrl).host} is not a Key Vault host (*.vault.azure.net and the other clouds' zones); set ${AZURE_ENV.skipChallengeCheck}=true to use a private endpoint`);
    }
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
