// The OpenPGP kind's descriptor: `pgp` entries {created_at, enc, fp}, --pgp/-p and SOPS_PGP_FP. Wrap/unwrap:
// ../pgp.ts.
import type { KindDescriptor } from '../types.js';

const ARMORED_PUBLIC = '-----BEGIN PGP PUBLIC KEY BLOCK-----';

export const pgp: KindDescriptor = {
  entry: { field: 'pgp', scalar: ['created_at', 'enc', 'fp'], needsCreatedAt: true },
  id: 'pgp',
  logger: ['PGP', 'fingerprint'],
  describe(f) {
    const fp = String(f.fp ?? '');
    return fp.trimStart().startsWith(ARMORED_PUBLIC) ? '(armored public key)' : fp;
  },
  summary: (f) => (typeof f.fp === 'string' ? f.fp : ''),
  flag: { name: 'pgp', short: 'p', valueName: 'FP', help: 'PGP fingerprint(s)', env: 'SOPS_PGP_FP' },
  rule: { field: 'pgp', groupField: 'pgp', groupEntries: { strings: true } },
  /** A fingerprint; spaces are removed (a trailing `!` is kept). */
  fromString: (fingerprint) => ({ kind: 'pgp', fields: { fp: fingerprint.replace(/ /g, '') } }),
  load: () => import('../pgp.js').then((m) => m.pgpKind),
};
