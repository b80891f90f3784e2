// npm packages the code loads at run time (key-service SDKs, openpgp, re2js), by name: from the vendor bundles of a
// packaged plugin (dist/vendor/NAME.cjs, written by scripts/package.mjs) when the entry point offers them (src/cli/entry.ts), else from
// node_modules (a checkout). A packaged plugin has no node_modules, so every such load goes through here.
import { createRequire } from 'node:module';

const fromNodeModules = createRequire(import.meta.url);

/** The entry point's loader (bin/helm-secrets.js): dist/NAME.cjs run from its code cache, or undefined if absent. */
export type Precompiled = (bundle: string) => Record<string, unknown> | undefined;

let loader: Precompiled | undefined;

/** Set by the entry point through src/cli/entry.ts startRun, before a command runs. */
export function setPrecompiled(hook: Precompiled | undefined): void {
  loader = hook;
}

function precompiled(): Precompiled | undefined {
  return loader;
}

/** The bundle `name` of dist/ (e.g. 'aws'), when the entry point offers it and the file is there. */
export function precompiledBundle(name: string): Record<string, unknown> | undefined {
  return precompiled()?.(name);
}

/** The package `name`: its vendor bundle in a packaged plugin, else node_modules. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the package's type
export function requirePackage<T>(name: string): T {
  const vendored = precompiled()?.(`vendor/${name}`);
  if (vendored) return vendored as T;
  return fromNodeModules(name) as T;
}
