// The binary store: any file that is not YAML/JSON/dotenv/INI. Its bytes become the single leaf `data`, and the
// encrypted form is the JSON store's `{"data": "ENC[…]", "sops": {…}}`; plaintext stays bytes end to end.
import { ExitCode, SopsError } from '../../errors.js';
import type { Store, StoreName, StoreOptions } from '../store.js';
import { Mapping, type Branches } from '../tree.js';
import { JsonStore } from './json.js';

function emitError(what: string): SopsError {
  return new SopsError(`error emitting binary store: ${what}`, ExitCode.ErrorDumpingTree);
}

export class BinaryStore implements Store {
  readonly name: StoreName = 'binary';
  private readonly json: JsonStore;

  constructor(opts?: StoreOptions) {
    this.json = new JsonStore(opts);
  }

  loadPlain(bytes: Uint8Array): Branches {
    return [new Mapping([{ key: 'data', value: Uint8Array.from(bytes) }])];
  }

  loadEncrypted(bytes: Uint8Array): Branches {
    return this.json.loadEncrypted(bytes);
  }

  emitPlain(branches: Branches): Uint8Array {
    if (branches.length !== 1) throw emitError('there must be exactly one tree branch');
    for (const it of branches[0].items) {
      if (it.key !== 'data') continue;
      if (it.value instanceof Uint8Array) return Uint8Array.from(it.value);
      if (typeof it.value === 'string') return new TextEncoder().encode(it.value);
      throw emitError("'data' key in tree does not have a string value");
    }
    throw emitError('no binary data found in tree');
  }

  emitEncrypted(branches: Branches): Uint8Array {
    return this.json.emitEncrypted(branches);
  }

  emitValue(_value: unknown): Uint8Array {
    throw new SopsError('binary files are not structured and extracting a single value is not possible', ExitCode.ErrorDumpingTree);
  }
}
