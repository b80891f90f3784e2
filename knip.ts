// knip (npm run lint): dead files, dead exports and dependencies that are missing or unused.
import type { KnipConfig } from 'knip';

const config: KnipConfig = {
  entry: [
    'src/cli/main.ts',
    // The bundles built apart (dist/aws.cjs, dist/aws-refs.cjs, dist/agelib.cjs; scripts/build.mjs).
    'src/keys/aws-bundle.ts',
    'src/refs/aws-bundle.ts',
    'src/keys/agelib-bundle.ts',
    // Run by bin/sops (a shell script, which knip does not read).
    'bin/sops.js',
    'scripts/*.{mjs,cjs}',
    'bench/worker.ts',
    'test/**/*.test.ts',
  ],
  project: ['src/**/*.ts', 'bin/**/*.js', 'scripts/**/*.{mjs,cjs}', 'bench/**/*.ts', 'test/**/*.{ts,cjs}'],
  // A module's interface may include what the module itself uses (and its tests call).
  ignoreExportsUsedInFile: true,
  ignoreDependencies: [
    // helm binaries for the tests, unpacked by scripts/fetch-helm.mjs from these packages' archives.
    'helm-layer-v3',
    'helm-layer-v4',
    // Reached through @google-cloud/kms and @azure/identity, in the versions those pin; required for their types and
    // their gRPC/credential objects (src/keys/gcpkms.ts, azurekv.ts, test/helpers/fake-gcpkms.ts).
    '@azure/core-auth',
    'google-gax',
    'google-auth-library',
    '@grpc/grpc-js',
    '@grpc/proto-loader',
  ],
  // Tools of the machine the tests and the benchmark run (README, .ci/run), and getent (exec-env --user), not npm
  // packages. `script` (util-linux) gives the age-plugin tests a terminal.
  ignoreBinaries: ['sops', 'moto_server', 'gpg', 'gpgconf', 'gpg-connect-agent', 'openssl', 'go', 'age', 'age-keygen', 'ssh-keygen', 'mkfifo', 'getent', 'docker-registry', 'script'],
};

export default config;
