// The contract between the entry point (bin/helm-secrets.js, plain JavaScript that compiles and runs the bundle)
// and the code in the bundle: what the entry point tells the bundle before it runs one command. The bundle exports
// startRun (through main.ts); bin/ calls it with EntryHooks, then main().
import { memoizeConfig } from '../config/memo.js';
import { setPrecompiledLoader, type PrecompiledLoader } from '../packages.js';

export interface EntryHooks {
  /** Loads a bundle of dist/ (the commands, the AWS SDK, a vendor package; with its code cache) and returns its exports. */
  precompiled?: PrecompiledLoader;
}

/** This process runs one command: the bundles are offered, and .sops.yaml lookups are kept for the run. */
export function startRun(hooks: EntryHooks): void {
  setPrecompiledLoader(hooks.precompiled);
  memoizeConfig();
}
