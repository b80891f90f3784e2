// The YAML store: sops's stores/yaml on yaml.v3, reproduced for reading (types, aliases, comment placement)
// and writing (indentation, quoting, folding), so files round-trip byte for byte with sops 3.x output.
import { SopsError, ExitCode } from '../../errors.js';
import type { Store, StoreOptions } from '../store.js';
import type { Branches, Value } from '../tree.js';
import { emitYamlBytes, emitYamlValue } from './yaml-emit.js';
import { loadYaml } from './yaml-fast.js';

const enc = new TextEncoder();

export class YamlStore implements Store {
  readonly name = 'yaml' as const;
  private readonly indent: number;

  constructor(opts: StoreOptions = {}) {
    const indent = opts.indent ?? 4;
    if (!Number.isInteger(indent) || indent < 2 || indent > 9) {
      throw new SopsError(`YAML indentation must be between 2 and 9, got ${indent}`, ExitCode.Generic);
    }
    this.indent = indent;
  }

  loadPlain(bytes: Uint8Array): Branches {
    return loadYaml(bytes);
  }

  loadEncrypted(bytes: Uint8Array): Branches {
    return loadYaml(bytes);
  }

  emitPlain(branches: Branches): Uint8Array {
    return emitYamlBytes(branches, this.indent);
  }

  emitEncrypted(branches: Branches): Uint8Array {
    return emitYamlBytes(branches, this.indent);
  }

  emitValue(value: unknown): Uint8Array {
    return enc.encode(emitYamlValue(value as Value, 4));
  }
}
