// The contract between the entry point (bin/helm-secrets.js, plain JavaScript that compiles and runs the bundle)
// and the code in the bundle: what the entry point tells the bundle before it runs one command. The bundle exports
// startRun (through main.ts); bin/ calls it with EntryHooks, then main(). Part of the front bundle: what it imports
// is light (no config or key code loads for `version`).
import { memoizeConfig } from '../config/memo.js';
import { setPrecompiled, type Precompiled } from '../packages.js';

export interface EntryHooks {
  /** Loads a bundle of dist/ (NAME.cjs, with its code cache: 'commands', 'aws', 'vendor/...') and returns its exports. */
  precompiled?: Precompiled;
}

/** This process runs one command: the bundles are offered, and .sops.yaml lookups are kept for the run. */
export function startRun(hooks: EntryHooks): void {
  setPrecompiled(hooks.precompiled);
  memoizeConfig();
}
