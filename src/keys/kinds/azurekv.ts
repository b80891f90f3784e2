// The Azure Key Vault kind's descriptor: `azure_kv` entries {created_at, enc, name, vault_url, version},
// --azure-kv and SOPS_AZURE_KEYVAULT_URLS with `https://<vault>/keys/<name>[/<version>]`, `azure_keyvault` in
// .sops.yaml. An empty version means "latest", resolved when wrapping. Wrap/unwrap: ../azurekv.ts.
import { ExitCode, SopsError } from '../../errors.js';
import type { KeySpec, KindDescriptor } from '../types.js';

const spec = (vaultUrl: string, name: string, version: string): KeySpec => ({ kind: 'azure_kv', fields: { vault_url: vaultUrl, name, version } });

/** The parts of `https://<vault>/keys/<name>[/<version>]`, or undefined. */
export function splitAzureKeyUrl(url: string): { vault_url: string; name: string; version: string } | undefined {
  const m = /^(https:\/\/[^/]+)\/keys\/([^/]+)(\/[^/]*)?$/.exec(url.trim());
  return m ? { vault_url: m[1], name: m[2], version: m[3] && m[3].length > 1 ? m[3].slice(1) : '' } : undefined;
}

export const azureKv: KindDescriptor = {
  entry: { field: 'azure_kv', scalar: ['created_at', 'enc', 'name', 'vault_url', 'version'], needsCreatedAt: true },
  id: 'azure_kv',
  logger: ['AZKV', 'key'],
  describe: (f) => `${String(f.vault_url ?? '')}/keys/${String(f.name ?? '')}/${String(f.version ?? '')}`,
  summary(f) {
    const s = (n: string) => (typeof f[n] === 'string' ? f[n] : '');
    return `${s('vault_url')}/keys/${s('name')}${s('version') ? `/${s('version')}` : ''}`;
  },
  flag: { name: 'azure-kv', valueName: 'URL', help: 'Azure Key Vault key URL(s)', env: 'SOPS_AZURE_KEYVAULT_URLS' },
  rule: {
    field: 'azure_keyvault',
    groupField: 'azure_keyvault',
    groupEntries: {
      fields: ['vaultUrl', 'key', 'version'],
      fromObject: (o) => spec(o.vaultUrl as string, o.key as string, o.version as string),
    },
  },
  fromString(url) {
    const p = splitAzureKeyUrl(url);
    if (!p) {
      throw new SopsError(
        `could not parse ${JSON.stringify(url.trim())} into a valid Azure Key Vault key URL (https://<vault>/keys/<name>[/<version>])`,
        ExitCode.Generic,
      );
    }
    return spec(p.vault_url, p.name, p.version);
  },
  load: () => import('../azurekv.js').then((m) => m.azureKvKind),
};
