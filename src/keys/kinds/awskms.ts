// The AWS KMS kind's descriptor: `kms` entries {arn, aws_profile, context, created_at, enc, role}, --kms/-k and
// SOPS_KMS_ARN with sops's `arn[+roleArn]` syntax; --encryption-context and --aws-profile (or the rule's
// aws_profile) apply to every key of a list. Wrap/unwrap: ../awskms.ts.
import type { KeySpec, KindDescriptor } from '../types.js';

/** The parts of sops's `arn[+roleArn]` (spaces removed): ARN paths may hold '+' but never ':', so '+arn:' splits. */
export function splitArnAndRole(text: string): { arn: string; role?: string } {
  const s = text.replace(/ /g, '');
  const at = s.indexOf('+arn:');
  return at > 0 ? { arn: s.slice(0, at), role: s.slice(at + 1) } : { arn: s };
}

/** An AWS KMS key from its parts (the key_groups object form). */
function kmsSpec(arn: string, role: string | undefined, context: Record<string, string> | undefined, awsProfile: string): KeySpec {
  const fields: Record<string, unknown> = { arn, aws_profile: awsProfile };
  if (role) fields.role = role;
  if (context && Object.keys(context).length > 0) fields.context = { ...context };
  return { kind: 'kms', fields };
}

export const awsKms: KindDescriptor = {
  entry: {
    field: 'kms',
    scalar: ['arn', 'aws_profile', 'created_at', 'enc', 'role'],
    omitEmpty: ['role'],
    maps: ['context'],
    needsCreatedAt: true,
  },
  id: 'kms',
  logger: ['AWSKMS', 'arn'],
  describe(f) {
    const arn = String(f.arn ?? '');
    return f.role ? `${arn}+${String(f.role)}` : arn;
  },
  summary: (f) => `${typeof f.arn === 'string' ? f.arn : ''}${typeof f.role === 'string' && f.role ? ` (role ${f.role})` : ''}`,
  flag: { name: 'kms', short: 'k', valueName: 'ARN', help: 'AWS KMS key ARN(s), ARN+ROLE_ARN to assume a role', env: 'SOPS_KMS_ARN' },
  rule: {
    field: 'kms',
    groupField: 'kms',
    groupEntries: {
      fields: ['arn', 'role', 'aws_profile'],
      maps: ['context'],
      fromObject: (o) => kmsSpec(o.arn as string, o.role as string, o.context as Record<string, string>, o.aws_profile as string),
    },
  },
  fromString(text, ctx) {
    const { arn, role } = splitArnAndRole(text);
    return kmsSpec(arn, role, ctx.context, ctx.awsProfile);
  },
  load: () => import('../awskms.js').then((m) => m.awsKmsKind),
};
