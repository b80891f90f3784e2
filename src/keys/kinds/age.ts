// The age kind's descriptor: `age` entries {enc, recipient}, --age/-a and SOPS_AGE_RECIPIENTS, recipients checked
// as sops checks them. Wrap/unwrap: ../age.ts.
import { ExitCode, SopsError } from '../../errors.js';
import type { KindDescriptor } from '../types.js';

const BECH32 = /^[qpzry9x8gf2tvdw0s3jn54khce6mua7l]+$/;

export const age: KindDescriptor = {
  entry: { field: 'age', scalar: ['enc', 'recipient'], needsCreatedAt: false, alwaysInGroup: true },
  id: 'age',
  logger: ['AGE', 'recipient'],
  describe: (f) => String(f.recipient ?? ''),
  flag: { name: 'age', short: 'a', valueName: 'R', help: 'age recipient(s), comma separated', env: 'SOPS_AGE_RECIPIENTS' },
  rule: { field: 'age', groupField: 'age', groupEntries: { strings: true, split: true } },

  /** One age recipient: X25519 `age1…`, post-quantum `age1pq1…`, plugin `age1<name>1…`, or an SSH public key. */
  fromString(recipient) {
    const r = recipient.trim();
    const lower = r.toLowerCase();
    if (lower.startsWith('age1pq1') || (lower.startsWith('age1') && lower.split('1').length > 2)) {
      // Post-quantum and plugin recipients are checked by the age key kind when wrapping.
    } else if (lower.startsWith('age1')) {
      // An X25519 recipient is exactly 32 bytes of Bech32: 58 data+checksum characters after "age1".
      if (lower.length !== 62 || !BECH32.test(lower.slice(4)) || (r !== lower && r !== r.toUpperCase())) {
        throw new SopsError(`failed to parse input as Bech32-encoded age public key: ${JSON.stringify(r)}`, ExitCode.Generic);
      }
    } else if (!r.startsWith('ssh-')) {
      throw new SopsError(`failed to parse input, unknown recipient type: ${JSON.stringify(r)}`, ExitCode.Generic);
    }
    return { kind: 'age', fields: { recipient: r } };
  },

  load: () => import('../age.js').then((m) => m.ageKind),
};
