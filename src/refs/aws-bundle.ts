// Entry of dist/aws-refs.cjs, the AWS clients of the reference providers (Secrets Manager, Parameter Store, S3),
// built apart from dist/aws.cjs (KMS and STS) so that a run with a KMS key does not read or deserialise them, and
// a run with AWS references gets a V8 code cache for them (see src/keys/sdk.ts and scripts/build.mjs). Each package
// is initialised only when a reference uses it.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- required when asked for, not when the bundle loads
export const secretsManager = (): unknown => require('@aws-sdk/client-secrets-manager');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
export const ssm = (): unknown => require('@aws-sdk/client-ssm');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
export const s3 = (): unknown => require('@aws-sdk/client-s3');
