// Loading of the key services' SDKs, only when a file uses that kind of key. They are CommonJS packages: `require`
// loads them 25-80 ms faster than `import()`, which first parses each module for its named exports.
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

/** The SDK package `name`, resolved from this module's location (the plugin's node_modules); require caches it. */
export function sdk<T>(name: string): T {
  return load(name) as T;
}
