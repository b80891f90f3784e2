// Entry of dist/aws.cjs, the AWS SDK built apart from the CLI so that it has a V8 code cache of its own and costs
// nothing to commands that do not use KMS (see src/keys/sdk.ts and scripts/build.mjs). Each package is initialised
// only when asked for: STS only when a key or a reference names a role. The
// reference stores' clients are dist/aws-refs.cjs (src/refs/aws-bundle.ts).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- required when asked for, not when the bundle loads
export const clientKms = (): unknown => require('@aws-sdk/client-kms');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
export const clientSts = (): unknown => require('@aws-sdk/client-sts');
