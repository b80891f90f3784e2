// The dotenv store: one `KEY=value` per line, `#` comment lines, `\n` escapes, every value a string, and the
// metadata flattened into `sops_`-prefixed keys (sops stores/dotenv), so the file stays a valid env file.
import { ExitCode, SopsError } from '../../errors.js';
import type { Store, StoreName } from '../store.js';
import { Comment, Mapping, isComment, isMapping, type Branches, type Item } from '../tree.js';
import { flatten, unflatten } from './flatten.js';
import { utf8OrFail, valToString } from './gotext.js';

const PREFIX = 'sops_';
const enc = new TextEncoder();

function parse(bytes: Uint8Array): Mapping {
  const m = new Mapping();
  const text = utf8OrFail(bytes, 'could not unmarshal input data: ');
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    if (line.length === 0) continue;
    if (line[0] === '#') {
      m.items.push({ key: new Comment(line.slice(1)), value: null });
      continue;
    }
    const eq = line.indexOf('=');
    if (eq === -1) {
      throw new SopsError(`could not unmarshal input data: invalid dotenv input line ${n + 1} (no '=')`, ExitCode.CouldNotReadInputFile);
    }
    m.items.push({ key: line.slice(0, eq), value: line.slice(eq + 1).replaceAll('\\n', '\n') });
  }
  return m;
}

function dumpError(what: string): SopsError {
  return new SopsError(what, ExitCode.ErrorDumpingTree);
}

export class DotenvStore implements Store {
  readonly name: StoreName = 'dotenv';

  /** Refuses `sops_` keys: they are the metadata of an encrypted file (sops exits 203 for them). */
  loadPlain(bytes: Uint8Array): Branches {
    const m = parse(bytes);
    for (const it of m.items) {
      if (typeof it.key === 'string' && it.key.startsWith(PREFIX)) {
        throw new SopsError(
          `file already encrypted: it has top-level entries starting with '${PREFIX}', which hold the sops metadata`,
          ExitCode.FileAlreadyEncrypted,
        );
      }
    }
    return [m];
  }

  /** Moves the `sops_*` keys into a nested `sops` item (string values; the metadata reader converts them). */
  loadEncrypted(bytes: Uint8Array): Branches {
    const m = parse(bytes);
    const data: Item[] = [];
    const meta: Item[] = [];
    for (const it of m.items) {
      if (typeof it.key === 'string' && it.key.startsWith(PREFIX)) meta.push({ key: it.key.slice(PREFIX.length), value: it.value });
      else data.push(it);
    }
    if (meta.length > 0) {
      // The tree keeps the metadata as the item `sops`, so a data key of that exact name cannot sit beside it.
      if (data.some((it) => it.key === 'sops')) {
        throw new SopsError("a data key named 'sops' cannot be read beside sops_ metadata", ExitCode.CouldNotReadInputFile);
      }
      data.push({ key: 'sops', value: unflatten(meta) });
    }
    return [new Mapping(data)];
  }

  emitPlain(branches: Branches): Uint8Array {
    const first = branches[0];
    if (!first) throw dumpError('no document to write');
    let out = '';
    for (const it of first.items) {
      if (isMapping(it.value) || Array.isArray(it.value)) {
        throw dumpError(`cannot use complex value in dotenv file; offending key ${isComment(it.key) ? '#' : it.key}`);
      }
      if (isComment(it.key)) {
        out += '#' + it.key.text + '\n';
        continue;
      }
      // Byte leaves are text here too, so their newlines need the same escape.
      const text = typeof it.value === 'string' || it.value instanceof Uint8Array ? valToString(it.value) : undefined;
      const v = text !== undefined ? text.replaceAll('\n', '\\n') : valToString(it.value);
      out += it.key + '=' + v + '\n';
    }
    return enc.encode(out);
  }

  emitEncrypted(branches: Branches): Uint8Array {
    const first = branches[0];
    if (!first) throw dumpError('no document to write');
    const data: Item[] = [];
    let meta: Item[] = [];
    let seen = false;
    for (const it of first.items) {
      if (it.key === 'sops') {
        if (seen) throw dumpError('found duplicate sops entry');
        if (!isMapping(it.value)) throw dumpError('the sops entry is not a mapping');
        meta = flatten(it.value, PREFIX);
        seen = true;
        continue;
      }
      if (typeof it.key === 'string' && it.key.startsWith(PREFIX)) {
        throw dumpError(`found key ${JSON.stringify(it.key)} in encrypted data, which starts with the reserved prefix '${PREFIX}' for sops metadata`);
      }
      data.push(it);
    }
    return this.emitPlain([new Mapping([...data, ...meta])]);
  }

  emitValue(value: unknown): Uint8Array {
    if (typeof value === 'string') return enc.encode(value);
    throw dumpError('the dotenv store only supports emitting strings');
  }
}
