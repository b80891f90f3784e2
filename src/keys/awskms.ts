// The AWS KMS master key: Encrypt/Decrypt of the data key with the key's ARN and encryption context,
// in the ARN's region, optionally as an assumed role or a named profile, as sops's kms key source does.
import { hostname } from 'node:os';
import { assumeAwsRole, awsClientConfig, explainAws, isAwsTransient, quietAwsNodeVersionWarning } from './awsclient.js';
import { withRetries } from './retry.js';
import { nowRfc3339 } from '../clock.js';
import { sdk } from './sdk.js';
import { splitArnAndRole } from './kinds/awskms.js';
import type { KeyContext, KeyEntry, KeyFields, KeyOps, KeySpec } from './types.js';

const ARN_RE = /^arn:aws[\w-]*:kms:(.+):[0-9]+:(key|alias)\/.+$/;

export interface KmsKeyRef {
  arn: string;
  role?: string;
  context?: Record<string, string>;
  aws_profile: string;
}

/**
 * One key from sops's `arn[+roleArn]` syntax (spaces removed); `context` and `aws_profile`
 * come from --encryption-context / the creation rule.
 */
export function parseKmsArn(raw: string, context?: Record<string, string>, awsProfile = ''): KmsKeyRef {
  const { arn, role } = splitArnAndRole(raw);
  const ref: KmsKeyRef = { arn, aws_profile: awsProfile };
  if (role) ref.role = role;
  if (context && Object.keys(context).length > 0) ref.context = context;
  return ref;
}

/**
 * sops's encryption-context forms: a `k:v,k2:v2` string or a string map. Like sops, any malformed
 * pair or non-string value drops the whole context (undefined); an empty one is undefined too.
 */
export function parseKmsContext(input: unknown): Record<string, string> | undefined {
  if (input === undefined || input === null) return undefined;
  const out: Record<string, string> = {};
  if (typeof input === 'string') {
    if (input === '') return undefined;
    for (const kv of input.split(',')) {
      const parts = kv.split(':');
      if (parts.length !== 2) return undefined;
      out[parts[0]] = parts[1]!;
    }
    return out;
  }
  if (typeof input === 'object' && !Array.isArray(input)) {
    const entries = input instanceof Map ? [...input.entries()] : Object.entries(input);
    if (entries.length === 0) return undefined;
    for (const [k, v] of entries) {
      if (typeof k !== 'string' || typeof v !== 'string') return undefined;
      out[k] = v;
    }
    return out;
  }
  return undefined;
}

export const awsKmsKind: KeyOps = {
  async wrap(spec: KeySpec, part: Uint8Array, ctx: KeyContext): Promise<KeyEntry> {
    const ref = refFromFields(spec.fields);
    const { EncryptCommand } = kmsSdk();
    const out = await kmsCall(ref, ctx, (client, abortSignal) =>
      client.send(new EncryptCommand({ KeyId: ref.arn, Plaintext: part, EncryptionContext: ref.context }), { abortSignal }),
    );
    if (!out.CiphertextBlob) throw new Error('AWS KMS returned no ciphertext');
    const fields: KeyFields = { arn: ref.arn, aws_profile: ref.aws_profile };
    if (ref.context) fields.context = { ...ref.context };
    fields.created_at = nowRfc3339();
    fields.enc = Buffer.from(out.CiphertextBlob).toString('base64');
    if (ref.role) fields.role = ref.role;
    return { kind: spec.kind, fields };
  },

  async unwrap(entry: KeyEntry, ctx: KeyContext): Promise<Uint8Array | null> {
    const enc = entry.fields.enc;
    if (typeof enc !== 'string' || enc === '') throw new Error('the entry has no enc value');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(enc)) throw new Error('error base64-decoding encrypted data key');
    const blob = Buffer.from(enc, 'base64');
    const ref = refFromFields(entry.fields);
    const { DecryptCommand } = kmsSdk();
    const out = await kmsCall(ref, ctx, (client, abortSignal) =>
      client.send(new DecryptCommand({ KeyId: ref.arn, CiphertextBlob: blob, EncryptionContext: ref.context }), { abortSignal }),
    );
    if (!out.Plaintext) throw new Error('AWS KMS returned no plaintext');
    return new Uint8Array(out.Plaintext);
  },
};

function refFromFields(f: KeyFields): KmsKeyRef {
  const ref = parseKmsArn(String(f.arn ?? ''), parseKmsContext(f.context), f.aws_profile ? String(f.aws_profile) : '');
  if (f.role) ref.role = String(f.role);
  return ref;
}

type KmsSdk = typeof import('@aws-sdk/client-kms');
type KMSClient = import('@aws-sdk/client-kms').KMSClient;

/** Builds a client for the ARN's region (after assuming `role`), runs `op` with retries, and closes it. */
async function kmsCall<T>(ref: KmsKeyRef, ctx: KeyContext, op: (client: KMSClient, signal: AbortSignal) => Promise<T>): Promise<T> {
  const m = ARN_RE.exec(ref.arn);
  if (!m) throw new Error(`no valid ARN found in '${ref.arn}'`);
  const region = m[1];
  const { KMSClient } = kmsSdk();
  const base = awsClientConfig({ region, profile: ref.aws_profile, env: ctx.env, service: 'KMS' });
  let credentials = base.credentials;
  if (ref.role) credentials = await assumeAwsRole(ref.role, stsSessionName(), { region, profile: ref.aws_profile }, ctx);
  const client = new KMSClient({ ...base, credentials });
  try {
    return await withRetries(ctx, (signal) => op(client, signal), isAwsTransient, (err) => explainAws(err, ref.aws_profile));
  } finally {
    client.destroy();
  }
}

/** The KMS client package, with the SDK's Node.js version warning (printed when a client is made) quieted first. */
function kmsSdk(): KmsSdk {
  quietAwsNodeVersionWarning();
  return sdk<KmsSdk>('@aws-sdk/client-kms');
}

/** `sops@<hostname>` with the characters sops strips removed, at most 64 characters. */
export function stsSessionName(host = hostname()): string {
  // Same character class as sops's Go pattern, including its `@-_` range.
  const name = `sops@${host.replace(/[^a-zA-Z0-9=,.@-_]+/g, '')}`;
  return name.length >= 64 ? name.slice(0, 64) : name;
}
