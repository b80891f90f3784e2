// Loading of the key services' SDKs, only when a file uses that kind of key. They are CommonJS packages: `require`
// loads them 25-80 ms faster than `import()`, which first parses each module for its named exports. The AWS SDK is
// also built as bundles of its own, each with a V8 code cache, which the entry point (bin/helm-secrets.js) offers
// through src/cli/entry.ts (src/packages.ts setPrecompiled): dist/aws.cjs (KMS and STS, for the keys) and
// dist/aws-refs.cjs (Secrets Manager, SSM and S3, for references). That saves compiling ~1 MB of SDK on every run
// with a KMS key or an AWS reference. Run from the sources, there is none.
// A packaged plugin has no node_modules: the other SDKs come from its vendor bundles (src/packages.ts).
import { precompiledBundle, requirePackage } from '../packages.js';

/** The packages dist/aws.cjs exports, as functions of these names that require them. */
const PRECOMPILED: Record<string, [bundle: string, exportName: string]> = {
  '@aws-sdk/client-kms': ['aws', 'clientKms'],
  '@aws-sdk/client-sts': ['aws', 'clientSts'],
  '@aws-sdk/client-secrets-manager': ['aws-refs', 'secretsManager'],
  '@aws-sdk/client-ssm': ['aws-refs', 'ssm'],
  '@aws-sdk/client-s3': ['aws-refs', 's3'],
};

/** The SDK package `name`: from its precompiled bundle when the entry point offers one, else as a package. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the package's type
export function sdk<T>(name: string): T {
  const pre = PRECOMPILED[name];
  if (pre) {
    const get = precompiledBundle(pre[0])?.[pre[1]] as (() => T) | undefined;
    if (get) return get();
  }
  return requirePackage<T>(name);
}
