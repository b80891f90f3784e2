// The age library and the packages of the SSH key code (@noble/curves for X25519 and the Ed25519 key map,
// bcrypt-pbkdf for passphrase-protected OpenSSH keys), loaded only when a file or key needs them: post-quantum,
// plugin, passphrase-protected and SSH identities. Plain X25519 keys, the common case, never do (./agefile.js opens
// them with node:crypto). Run from dist/, they come from dist/agelib.cjs (src/keys/agelib-bundle.ts, with a code
// cache of its own), so the ~270 KB they weigh are not read, parsed or cached with the commands on every run.
import type * as AgeEncryption from 'age-encryption';
import type * as Ed25519 from '@noble/curves/ed25519.js';
import type BcryptPbkdf from 'bcrypt-pbkdf';
import { precompiledBundle } from '../packages.js';

export interface AgeLibs {
  age: typeof AgeEncryption;
  curves: typeof Ed25519;
  bcrypt: typeof BcryptPbkdf;
}

let libs: Promise<AgeLibs> | undefined;

/** The libraries, once per process: from dist/agelib.cjs when the entry point offers it, else the packages. */
export function ageLibs(): Promise<AgeLibs> {
  libs ??= (async () => {
    const bundled = precompiledBundle('agelib')?.libs as (() => AgeLibs) | undefined;
    if (bundled) return bundled();
    const [age, curves, bcrypt] = await Promise.all([import('age-encryption'), import('@noble/curves/ed25519.js'), import('bcrypt-pbkdf')]);
    return { age, curves, bcrypt: (bcrypt as { default?: typeof BcryptPbkdf }).default ?? bcrypt };
  })();
  return libs;
}
