// Entry of dist/agelib.cjs: the packages of src/keys/agelib.ts, built apart from the commands (see there and
// scripts/build.mjs), initialised when the first identity or recipient that needs them is read.
import type { AgeLibs } from './agelib.js';

/* eslint-disable @typescript-eslint/no-require-imports -- required when asked for, not when the bundle loads */
export const libs = (): AgeLibs => ({
  age: require('age-encryption') as AgeLibs['age'],
  curves: require('@noble/curves/ed25519.js') as AgeLibs['curves'],
  bcrypt: require('bcrypt-pbkdf') as AgeLibs['bcrypt'],
});
