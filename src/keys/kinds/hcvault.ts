// The HashiCorp Vault / OpenBao transit kind's descriptor: `hc_vault` entries {created_at, enc, engine_path,
// key_name, vault_address}, --hc-vault-transit and SOPS_VAULT_URIS with `https://host:port/v1/<engine>/keys/<name>`,
// `hc_vault_transit_uri` (rules) and `hc_vault` (key groups) in .sops.yaml. Wrap/unwrap: ../hcvault.ts.
import { ExitCode, SopsError } from '../../errors.js';
import { redactUrl } from '../../redact.js';
import type { KindDescriptor } from '../types.js';

const VAULT_EXAMPLE = 'https://vault.example.com:8200/v1/transit/keys/keyName';

export const hcVault: KindDescriptor = {
  entry: {
    field: 'hc_vault',
    scalar: ['created_at', 'enc', 'engine_path', 'key_name', 'vault_address'],
    needsCreatedAt: true,
    alwaysInGroup: true,
  },
  id: 'hc_vault',
  logger: ['VAULT_TRANSIT', 'path'],
  /** sops's string form of a Vault key, credentials in the address redacted. */
  describe: (f) => redactUrl(`${String(f.vault_address ?? '')}/v1/${String(f.engine_path ?? '')}/keys/${String(f.key_name ?? '')}`),
  summary(f) {
    const s = (n: string) => (typeof f[n] === 'string' ? f[n] : '');
    return `${s('vault_address')}/v1/${s('engine_path')}/keys/${s('key_name')}`;
  },
  flag: { name: 'hc-vault-transit', valueName: 'U', help: 'Vault transit key URI(s)', env: 'SOPS_VAULT_URIS' },
  rule: { field: 'hc_vault_transit_uri', groupField: 'hc_vault', groupEntries: { strings: true } },

  /** A transit key from `https://host:port/v1/<engine/path>/keys/<name>`. */
  fromString(uri) {
    const text = uri.trim();
    const invalid = (m: string) => new SopsError(m, ExitCode.Generic);
    const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)/.exec(text);
    if (!m) throw invalid(`missing scheme in Vault URL (should be like ${VAULT_EXAMPLE}), got: ${text}`);
    const path = m[3] || '/';
    if (/\/[^/]+\/v\d+\/[^/]+\/[^/]+\/[^/]+/.test(path)) {
      throw invalid(`running Vault with a prefixed URL is not supported (the format is ${VAULT_EXAMPLE}), got: ${text}`);
    }
    if (!/\/v\d+\/[^/]+\/[^/]+\/[^/]+/.test(path)) {
      throw invalid(`Vault key path is not formatted correctly (the format is ${VAULT_EXAMPLE}), got: ${text}`);
    }
    const dirs = path.replace(/^\/+|\/+$/g, '').split('/');
    const keyName = dirs[dirs.length - 1];
    // Go's path.Join drops empty segments.
    const enginePath = dirs.slice(1, dirs.length - 2).filter((d) => d !== '').join('/');
    return {
      kind: 'hc_vault',
      fields: { vault_address: `${m[1].toLowerCase()}://${m[2]}`, engine_path: enginePath, key_name: keyName },
    };
  },

  load: () => import('../hcvault.js').then((m) => m.hcVaultKind),
};
