// `ref+s3://BUCKET/KEY/OF/OBJECT[?region=&profile=&role_arn=&version_id=][#/key/in/object]`: the contents of an
// S3 object as text (GetObject, `version_id` or `version` for one version), as vals reads it; with a fragment, the
// text is a YAML or JSON document to select from. An object larger than a values file could sensibly be is refused
// rather than read into memory.
import { awsCall, awsSettings } from './aws.js';
import { malformed, param } from './remote.js';
import type { ParsedRef, RefContext, RefProvider } from './types.js';

type S3Sdk = typeof import('@aws-sdk/client-s3');
type GetObjectOutput = import('@aws-sdk/client-s3').GetObjectCommandOutput;

/** The largest object read (64 MiB): a reference is a value, not a download. */
const S3_MAX_BYTES = 64 * 1024 * 1024;

export const provider: RefProvider = {
  async fetch(ref: ParsedRef, ctx: RefContext): Promise<unknown> {
    const key = ref.key;
    const slash = key.indexOf('/');
    const bucket = slash > 0 ? key.slice(0, slash) : '';
    const objectKey = slash > 0 ? key.slice(slash + 1) : '';
    if (bucket === '' || objectKey === '') throw malformed('no bucket and object key (ref+s3://BUCKET/KEY)');
    const version = param(ref, ctx, 'version') || param(ref, ctx, 'version_id');
    const settings = awsSettings(ref, ctx);
    return awsCall<S3Sdk, string>(
      {
        pkg: '@aws-sdk/client-s3',
        client: 'S3Client',
        service: 'S3',
        settings,
        command: (s3) => new s3.GetObjectCommand({ Bucket: bucket, Key: objectKey, ...(version ? { VersionId: version } : {}) }),
        read: readBody,
      },
      ctx,
    );
  },
};

async function readBody(out: unknown): Promise<string> {
  const o = out as GetObjectOutput;
  if (o.ContentLength !== undefined && o.ContentLength > S3_MAX_BYTES) {
    (o.Body as { destroy?: () => void } | undefined)?.destroy?.();
    throw new Error(`the object is larger than ${S3_MAX_BYTES} bytes`);
  }
  if (!o.Body) return '';
  const bytes = await o.Body.transformToByteArray();
  if (bytes.length > S3_MAX_BYTES) throw new Error(`the object is larger than ${S3_MAX_BYTES} bytes`);
  return Buffer.from(bytes).toString('utf8');
}
