// Loading of the key services' SDKs, only when a file uses that kind of key. They are CommonJS packages: `require`
// loads them 25-80 ms faster than `import()`, which first parses each module for its named exports.
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);
const loaded = new Map<string, unknown>();

/** The SDK package `name` (resolved from this module's location, so from the plugin's node_modules). */
export function sdk<T>(name: string): T {
  let m = loaded.get(name);
  if (m === undefined) {
    m = load(name);
    loaded.set(name, m);
  }
  return m as T;
}
