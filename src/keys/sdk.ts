// Loading of the key services' SDKs, only when a file uses that kind of key. They are CommonJS packages: `require`
// loads them 25-80 ms faster than `import()`, which first parses each module for its named exports. The AWS SDK is
// also built as its own bundle (dist/aws.cjs) with a V8 code cache, which the entry point (bin/helm-secrets.js)
// offers through src/cli/entry.ts (setPrecompiledLoader); that saves compiling ~1 MB of SDK on every run with a KMS
// key. Run from the sources, there is none.
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

/** The packages dist/aws.cjs exports, as functions of these names that require them. */
const PRECOMPILED: Record<string, [bundle: string, exportName: string]> = {
  '@aws-sdk/client-kms': ['aws', 'clientKms'],
  '@aws-sdk/client-sts': ['aws', 'clientSts'],
};

/** Loads a precompiled bundle (dist/NAME.cjs) and returns its exports; undefined when it is not there. */
export type PrecompiledLoader = (bundle: string) => Record<string, unknown> | undefined;

let loadBundle: PrecompiledLoader | undefined;

/** Set once by the entry point, before a command runs. */
export function setPrecompiledLoader(loader: PrecompiledLoader | undefined): void {
  loadBundle = loader;
}

/** The SDK package `name`: from its precompiled bundle when the entry point offers one, else from node_modules. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the package's type
export function sdk<T>(name: string): T {
  const pre = PRECOMPILED[name];
  if (pre && loadBundle) {
    const get = loadBundle(pre[0])?.[pre[1]] as (() => T) | undefined;
    if (get) return get();
  }
  return load(name) as T;
}
