// The Google Cloud KMS kind's descriptor: `gcp_kms` entries {created_at, enc, resource_id}, --gcp-kms and
// SOPS_GCP_KMS_IDS. Wrap/unwrap: ../gcpkms.ts.
import type { KeySpec, KindDescriptor } from '../types.js';

const spec = (resourceId: string): KeySpec => ({ kind: 'gcp_kms', fields: { resource_id: resourceId.replace(/ /g, '') } });

export const gcpKms: KindDescriptor = {
  entry: { field: 'gcp_kms', scalar: ['created_at', 'enc', 'resource_id'], needsCreatedAt: true },
  id: 'gcp_kms',
  logger: ['GCPKMS', 'resourceID'],
  describe: (f) => String(f.resource_id ?? ''),
  flag: { name: 'gcp-kms', valueName: 'ID', help: 'GCP KMS resource id(s)', env: 'SOPS_GCP_KMS_IDS' },
  rule: { field: 'gcp_kms', groupField: 'gcp_kms', groupEntries: { fields: ['resource_id'], fromObject: (o) => spec(o.resource_id as string) } },
  fromString: (text) => spec(text),
  load: () => import('../gcpkms.js').then((m) => m.gcpKmsKind),
};
