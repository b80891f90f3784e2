// npm packages the code loads at run time (key-service SDKs, openpgp, re2js), by name: from the vendor bundles of a
// packaged plugin (dist/vendor/NAME.cjs, written by scripts/package.mjs) when the entry point offers them (src/cli/entry.ts), else from
// node_modules (a checkout). A packaged plugin has no node_modules, so every such load goes through here.
import { createRequire } from 'node:module';

/**
 * The entry point's loader (bin/helm-secrets.js): dist/NAME.cjs run from its code cache, or undefined if absent.
 * `profile` asks for the cache trained on one command family, when the build left one (else the general cache).
 */
export type Precompiled = (bundle: string, profile?: CodeCache) => Record<string, unknown> | undefined;

/**
 * The command families the build trains a code cache of the commands bundle for (scripts/train-cache.cjs): 'decrypt'
 * (a decryption to stdout: decrypt, view, the getter, git textconv), 'sops' (bin/sops decrypting) and 'helm' (the
 * wrapper). A cache holds the compiled code of what its training ran, and V8 reads all of it at load, so a family's
 * own cache is smaller than one trained on every command. A guess that does not fit only costs speed: what the
 * cache lacks is compiled.
 */
export type CodeCache = 'decrypt' | 'sops' | 'helm';

let loader: Precompiled | undefined;
let profile: CodeCache | undefined;

/** Set by the entry point through src/cli/entry.ts startRun, before a command runs. */
export function setPrecompiled(hook: Precompiled | undefined): void {
  loader = hook;
}

function precompiled(): Precompiled | undefined {
  return loader;
}

/** Set once the command is known, before its code loads: which trained cache the commands bundle loads with. */
export function useCodeCache(family: CodeCache | undefined): void {
  profile = family;
}

/**
 * The bundle `name` of dist/ (e.g. 'aws'), when the entry point offers it and the file is there; the commands bundle,
 * the only one with family caches, with the one useCodeCache named.
 */
export function precompiledBundle(name: string): Record<string, unknown> | undefined {
  return precompiled()?.(name, name === 'commands' ? profile : undefined);
}

/** The package `name`: its vendor bundle in a packaged plugin, else node_modules. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the package's type
export function requirePackage<T>(name: string): T {
  const vendored = precompiled()?.(`vendor/${name}`);
  if (vendored) return vendored as T;
  return createRequire(import.meta.url)(name) as T;
}
