// The dotenv store: one `KEY=value` per line, `#` comment lines, `\n` escapes, every value a string (its raw bytes
// when they are not UTF-8, as Go keeps them), and the metadata flattened into `sops_`-prefixed keys (sops
// stores/dotenv), so the file stays a valid env file.
import { ExitCode, SopsError } from '../../errors.js';
import { metadataKeyOf, type Store, type StoreName } from '../store.js';
import { Comment, Mapping, isComment, isMapping, type Branches, type Item } from '../tree.js';
import { flatten, unflatten } from './flatten.js';
import { valToString } from './gotext.js';
import { decodeRaw, encodeRaw, hasRawBytes, leafOf, textOf } from './rawtext.js';

const PREFIX = 'sops_';
const META = metadataKeyOf('dotenv');
const enc = new TextEncoder();

/** Keys and comments are text in the tree (they go into AADs and comment ciphertexts as UTF-8): bytes are refused there. */
function textOnly(s: string, what: string, line: number): string {
  if (hasRawBytes(s)) throw new SopsError(`could not unmarshal input data: invalid UTF-8 in a ${what} (line ${line})`, ExitCode.CouldNotReadInputFile);
  return s;
}

/** Values that are not UTF-8 are kept as their bytes, as sops keeps them (a Go string is a byte string). */
function parse(bytes: Uint8Array): Mapping {
  const m = new Mapping();
  const lines = decodeRaw(bytes).split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n];
    if (line.length === 0) continue;
    if (line[0] === '#') {
      m.items.push({ key: new Comment(textOnly(line.slice(1), 'comment', n + 1)), value: null });
      continue;
    }
    const eq = line.indexOf('=');
    if (eq === -1) {
      throw new SopsError(`could not unmarshal input data: invalid dotenv input line ${n + 1} (no '=')`, ExitCode.CouldNotReadInputFile);
    }
    m.items.push({ key: textOnly(line.slice(0, eq), 'key', n + 1), value: leafOf(line.slice(eq + 1).replaceAll('\\n', '\n')) });
  }
  return m;
}

function dumpError(what: string): SopsError {
  return new SopsError(what, ExitCode.ErrorDumpingTree);
}

export class DotenvStore implements Store {
  readonly name: StoreName = 'dotenv';

  /** `sops_*` keys are read like any other: whether they may be encrypted is up to the store that writes (the engine asks). */
  loadPlain(bytes: Uint8Array): Branches {
    return [parse(bytes)];
  }

  /** Moves the `sops_*` keys into the nested metadata item (string values; the metadata reader converts them). */
  loadEncrypted(bytes: Uint8Array): Branches {
    const m = parse(bytes);
    const data: Item[] = [];
    const meta: Item[] = [];
    for (const it of m.items) {
      if (typeof it.key === 'string' && it.key.startsWith(PREFIX)) meta.push({ key: it.key.slice(PREFIX.length), value: it.value });
      else data.push(it);
    }
    // Only `sops_*` keys are metadata: a variable named `sops` stays data (the metadata item's key cannot clash with it).
    if (meta.length > 0) data.push({ key: META, value: unflatten(meta) });
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
        out += '#' + textOf(it.key.text) + '\n';
        continue;
      }
      // Byte leaves are Go strings too: written as their bytes, with the same newline escape.
      const text = typeof it.value === 'string' || it.value instanceof Uint8Array ? textOf(it.value) : undefined;
      const v = text !== undefined ? text.replaceAll('\n', '\\n') : valToString(it.value);
      out += textOf(it.key) + '=' + v + '\n';
    }
    return encodeRaw(out);
  }

  emitEncrypted(branches: Branches): Uint8Array {
    const first = branches[0];
    if (!first) throw dumpError('no document to write');
    const data: Item[] = [];
    let meta: Item[] = [];
    let seen = false;
    for (const it of first.items) {
      if (it.key === META) {
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
    if (value instanceof Uint8Array) return Uint8Array.from(value);
    throw dumpError('the dotenv store only supports emitting strings');
  }
}
