// HuaweiCloud KMS (`hckms`, sops 3.11+): read and kept, never created or opened here.
// Decision: a file sops wrote with hckms entries (beside other keys) must still parse, decrypt through its other
// keys and be written back with those entries intact, so the entry schema is known. Talking to HuaweiCloud KMS
// would need its SDK and a signing scheme with no local stand-in to test against; so --hckms,
// SOPS_HUAWEICLOUD_KMS_IDS and an `hckms` key in a chosen creation rule are refused when they are parsed, with
// this module's message, instead of failing later when wrapping. Decrypting an hckms entry says the same.
import { ExitCode, SopsError } from '../../errors.js';
import type { KindDescriptor } from '../types.js';

const REASON = 'HuaweiCloud KMS keys (hckms) are not supported by helm-secrets: files keep their hckms entries, but new ones cannot be created or opened; use another key kind';

function refuse(): never {
  throw new SopsError(REASON, ExitCode.Generic);
}

export const hckms: KindDescriptor = {
  entry: { field: 'hckms', scalar: ['created_at', 'enc', 'key_id'], needsCreatedAt: true },
  id: 'hckms',
  logger: ['HCKMS', 'key'],
  describe: (f) => String(f.key_id ?? ''),
  flag: { name: 'hckms', valueName: 'ID', help: 'HuaweiCloud KMS key id(s) region:key-uuid (not supported)', env: 'SOPS_HUAWEICLOUD_KMS_IDS' },
  rule: { field: 'hckms', listOnly: true, groupField: 'hckms', groupEntries: { fields: ['key_id'], fromObject: refuse } },
  fromString: refuse,
  unsupported: REASON,
  load: () => Promise.reject(new Error(REASON)),
};
