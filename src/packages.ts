// npm packages the code loads at run time (key-service SDKs, openpgp, re2js), by name: from the vendor bundles of a
// packaged plugin (dist/vendor/NAME.cjs, written by scripts/package.mjs) when the entry point offers them, else from
// node_modules (a checkout). A packaged plugin has no node_modules, so every such load goes through here. The entry
// point's loader is handed over once per run (src/cli/entry.ts startRun); in-process callers have none.
import { createRequire } from 'node:module';

const fromNodeModules = createRequire(import.meta.url);

/** The entry point's loader (bin/helm-secrets.js): dist/NAME.cjs run from its code cache, or undefined if absent. */
export type PrecompiledLoader = (bundle: string) => Record<string, unknown> | undefined;

let loader: PrecompiledLoader | undefined;

/** Set once by the entry point, before a command runs. */
export function setPrecompiledLoader(l: PrecompiledLoader | undefined): void {
  loader = l;
}

/** The bundle `name` of dist/ (e.g. 'aws'), when the entry point offers it and the file is there. */
export function precompiledBundle(name: string): Record<string, unknown> | undefined {
  return loader?.(name);
}

/** The package `name`: its vendor bundle in a packaged plugin, else node_modules. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the package's type
export function requirePackage<T>(name: string): T {
  const vendored = loader?.(`vendor/${name}`);
  if (vendored) return vendored as T;
  return fromNodeModules(name) as T;
}
