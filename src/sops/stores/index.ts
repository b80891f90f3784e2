// Picks the store for a format name. YAML is loaded on demand so that the `yaml` package is only read for
// YAML files; the other stores are small and always available.
import type { Store, StoreName, StoreOptions } from '../store.js';
import { BinaryStore } from './binary.js';
import { DotenvStore } from './dotenv.js';
import { IniStore } from './ini.js';
import { JsonStore } from './json.js';

export { BinaryStore, DotenvStore, IniStore, JsonStore };

/** The store for `name`; `opts.indent` applies to YAML, JSON and binary (the JSON wrapper). */
export async function getStore(name: StoreName, opts?: StoreOptions): Promise<Store> {
  switch (name) {
    case 'yaml': {
      const { YamlStore } = await import('./yaml.js');
      return new YamlStore(opts);
    }
    case 'json':
      return new JsonStore(opts);
    case 'dotenv':
      return new DotenvStore();
    case 'ini':
      return new IniStore();
    case 'binary':
    default:
      // sops treats any unknown format name as binary
      return new BinaryStore(opts);
  }
}
