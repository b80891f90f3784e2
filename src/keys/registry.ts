// The list of master-key kinds. Each kind's module (and its SDK) is imported only when a file
// or rule uses that kind, so an age-only run never loads openpgp or a cloud SDK.
import type { KeyKind } from './types.js';

const loaders: Record<string, () => Promise<KeyKind>> = {
  age: () => import('./age.js').then((m) => m.ageKind),
  pgp: () => import('./pgp.js').then((m) => m.pgpKind),
  kms: () => import('./awskms.js').then((m) => m.awsKmsKind),
  gcp_kms: () => import('./gcpkms.js').then((m) => m.gcpKmsKind),
  azure_kv: () => import('./azurekv.js').then((m) => m.azureKvKind),
  hc_vault: () => import('./hcvault.js').then((m) => m.hcVaultKind),
};

/**
 * Order in which sops keeps keys inside a group (kms, gcp_kms, hckms, azure_kv, hc_vault, pgp, age);
 * it is also the emission order of group lists and the fallback decryption order after --decryption-order.
 */
export const INTERNAL_ORDER = ['kms', 'gcp_kms', 'hckms', 'azure_kv', 'hc_vault', 'pgp', 'age'] as const;

/** Default decryption order (sops: SOPS_DECRYPTION_ORDER, default "age,pgp"). */
export const DEFAULT_DECRYPTION_ORDER = ['age', 'pgp'];

const cache = new Map<string, Promise<KeyKind>>();

export function loadKind(field: string): Promise<KeyKind> {
  const load = loaders[field];
  if (!load) return Promise.reject(new Error(`unsupported master key type "${field}"`));
  let p = cache.get(field);
  if (!p) {
    p = load();
    cache.set(field, p);
  }
  return p;
}
