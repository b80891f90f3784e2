// The JSON store: an order-preserving parser that keeps duplicate keys and int64 precision, and an emitter
// that writes exactly what sops writes (Go json.Marshal per scalar, json.Indent with a tab or N spaces).
import { ExitCode, SopsError } from '../../errors.js';
import { formatFloatJSON } from '../gofmt.js';
import type { Store, StoreName, StoreOptions } from '../store.js';
import { Comment, Mapping, SopsTime, isComment, isMapping, type Branches, type Item, type Value } from '../tree.js';
import { goDecode } from './gotext.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

function syntax(what: string, text: string, pos: number): SopsError {
  let line = 1;
  let col = 1;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      col = 1;
    } else col++;
  }
  return new SopsError(`could not unmarshal input data: ${what} at line ${line}, column ${col}`, ExitCode.CouldNotReadInputFile);
}

/** A strict JSON reader over text already decoded the way Go decodes it. */
class Parser {
  pos = 0;
  constructor(readonly text: string) {}

  ws(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t[this.pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') this.pos++;
      else break;
    }
  }

  fail(what: string): SopsError {
    return syntax(what, this.text, this.pos);
  }

  expect(c: string): void {
    this.ws();
    if (this.text[this.pos] !== c) throw this.fail(this.pos >= this.text.length ? 'unexpected end of JSON input' : `expected '${c}'`);
    this.pos++;
  }

  value(): Value {
    this.ws();
    const c = this.text[this.pos];
    if (c === undefined) throw this.fail('unexpected end of JSON input');
    if (c === '{') {
      this.pos++;
      return this.object();
    }
    if (c === '[') {
      this.pos++;
      return this.array();
    }
    if (c === '"') return this.string();
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return v;
      }
    }
    throw this.fail('invalid character looking for beginning of value');
  }

  /** Called after `{`. */
  object(): Mapping {
    const m = new Mapping();
    this.ws();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return m;
    }
    for (;;) {
      this.ws();
      if (this.text[this.pos] !== '"') throw this.fail('expected object key');
      const key = this.string();
      this.expect(':');
      m.items.push({ key, value: this.value() });
      this.ws();
      const c = this.text[this.pos++];
      if (c === '}') return m;
      if (c !== ',') throw syntax(c === undefined ? 'unexpected end of JSON input' : "expected ',' or '}'", this.text, this.pos - 1);
    }
  }

  /** Called after `[`. */
  array(): Value[] {
    const out: Value[] = [];
    this.ws();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.ws();
      const c = this.text[this.pos++];
      if (c === ']') return out;
      if (c !== ',') throw syntax(c === undefined ? 'unexpected end of JSON input' : "expected ',' or ']'", this.text, this.pos - 1);
    }
  }

  string(): string {
    const t = this.text;
    this.pos++; // opening quote
    let out = '';
    let start = this.pos;
    for (;;) {
      const c = t[this.pos];
      if (c === undefined) throw this.fail('unexpected end of JSON input');
      if (c === '"') {
        out += t.slice(start, this.pos);
        this.pos++;
        return out;
      }
      if (c < ' ') throw this.fail('invalid control character in string literal');
      if (c !== '\\') {
        this.pos++;
        continue;
      }
      out += t.slice(start, this.pos);
      const e = t[this.pos + 1];
      this.pos += 2;
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const u = this.hex4();
          if (u >= 0xd800 && u < 0xdc00) {
            // Go pairs a high surrogate with a following \u low surrogate, else it becomes U+FFFD.
            const save = this.pos;
            if (t[this.pos] === '\\' && t[this.pos + 1] === 'u') {
              this.pos += 2;
              const lo = this.hex4();
              if (lo >= 0xdc00 && lo < 0xe000) {
                out += String.fromCharCode(u, lo);
                break;
              }
            }
            this.pos = save;
            out += '\ufffd';
          } else if (u >= 0xdc00 && u < 0xe000) {
            out += '\ufffd';
          } else {
            out += String.fromCharCode(u);
          }
          break;
        }
        default:
          throw syntax('invalid escape in string literal', t, this.pos - 1);
      }
      start = this.pos;
    }
  }

  hex4(): number {
    const h = this.text.slice(this.pos, this.pos + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) throw this.fail('invalid \\u escape in string literal');
    this.pos += 4;
    return parseInt(h, 16);
  }

  number(): bigint | number {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (!m) throw this.fail('invalid number literal');
    const lit = m[0];
    const next = this.text[this.pos + lit.length];
    if (next === '.' || next === 'e' || next === 'E') throw syntax('invalid number literal', this.text, this.pos + lit.length);
    this.pos += lit.length;
    // sops 3.13.2 (UseNumber): integers that fit int64 are ints, everything else float64.
    if (!/[.eE]/.test(lit)) {
      const n = BigInt(lit);
      if (n >= INT64_MIN && n <= INT64_MAX) return n;
    }
    const f = Number(lit);
    if (!Number.isFinite(f)) throw syntax('number out of range', this.text, this.pos - lit.length);
    return f;
  }
}

/** Parses a JSON document whose top level must be an object; anything after that object is ignored, as in sops. */
export function parseJsonObject(bytes: Uint8Array): Mapping {
  const p = new Parser(goDecode(bytes));
  p.ws();
  const c = p.text[p.pos];
  if (c === undefined) throw p.fail('unexpected end of JSON input');
  if (c !== '{') {
    p.value(); // report syntax errors first, like Go's tokenizer
    throw new SopsError(
      "could not unmarshal input data: SOPS only supports JSON files with a top-level object (starting with '{'), " +
        'not arrays or other types; to encrypt this file, wrap it in an object, e.g. {"data": [...]}',
      ExitCode.CouldNotReadInputFile,
    );
  }
  p.pos++;
  return p.object();
}

const HEX = '0123456789abcdef';

/** Go json.Marshal of a string (HTML-safe escaping; lone surrogates stand for invalid UTF-8 and become \ufffd). */
export function goJsonString(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | undefined;
    if (c < 0x80) {
      if (c >= 0x20 && c !== 0x22 && c !== 0x5c && c !== 0x3c && c !== 0x3e && c !== 0x26) continue;
      switch (c) {
        case 0x22:
          esc = '\\"';
          break;
        case 0x5c:
          esc = '\\\\';
          break;
        case 0x08:
          esc = '\\b';
          break;
        case 0x0c:
          esc = '\\f';
          break;
        case 0x0a:
          esc = '\\n';
          break;
        case 0x0d:
          esc = '\\r';
          break;
        case 0x09:
          esc = '\\t';
          break;
        default:
          esc = '\\u00' + HEX[c >> 4] + HEX[c & 0xf];
      }
    } else if (c === 0x2028 || c === 0x2029) {
      esc = '\\u202' + HEX[c & 0xf];
    } else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) < 0xe000) {
      i++;
      continue;
    } else if (c >= 0xd800 && c < 0xe000) {
      esc = '\\ufffd';
    } else {
      continue;
    }
    out += s.slice(start, i) + esc;
    start = i + 1;
  }
  return out + s.slice(start) + '"';
}

function dumpError(what: string): SopsError {
  return new SopsError(`error marshaling to json: ${what}`, ExitCode.ErrorDumpingTree);
}

/** Go json.Marshal of one scalar leaf as the JSON store writes it. */
export function goJsonScalar(v: Value): string {
  if (typeof v === 'string') return goJsonString(v);
  if (v instanceof Uint8Array) return goJsonString(goDecode(v, '\udfff'));
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw dumpError(`unsupported value: ${String(v)}`);
    return formatFloatJSON(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v === null) return 'null';
  if (v instanceof SopsTime) return goJsonString(v.text);
  throw dumpError('unsupported value');
}

/** json.Indent of sops's encoding: one element per line, `{}`/`[]` for empty containers, comments dropped. */
function encode(v: Value, indent: string, depth: number): string {
  if (isMapping(v)) {
    const parts: string[] = [];
    const pad = '\n' + indent.repeat(depth + 1);
    for (const it of v.items) {
      if (isComment(it.key)) continue;
      parts.push(pad + goJsonString(it.key) + ': ' + encode(it.value, indent, depth + 1));
    }
    return parts.length === 0 ? '{}' : '{' + parts.join(',') + '\n' + indent.repeat(depth) + '}';
  }
  if (Array.isArray(v)) {
    const parts: string[] = [];
    const pad = '\n' + indent.repeat(depth + 1);
    for (const el of v) {
      if (el instanceof Comment) continue;
      parts.push(pad + encode(el, indent, depth + 1));
    }
    return parts.length === 0 ? '[]' : '[' + parts.join(',') + '\n' + indent.repeat(depth) + ']';
  }
  if (v instanceof Comment) throw dumpError('unexpected comment');
  return goJsonScalar(v);
}

function indentString(opts?: StoreOptions): string {
  const n = opts?.indent;
  if (n === undefined || n === -1) return '\t';
  if (!Number.isInteger(n) || n < -1) {
    throw new SopsError('JSON indentation parameter smaller than -1 is not accepted', ExitCode.ErrorDumpingTree);
  }
  return ' '.repeat(n);
}

/** Moves every `sops` item to the end of the branch, where sops appends the metadata. */
export function metadataLast(branch: Mapping): Mapping {
  const data: Item[] = [];
  const meta: Item[] = [];
  for (const it of branch.items) (it.key === 'sops' ? meta : data).push(it);
  if (meta.length > 1) throw new SopsError('found duplicate sops entry', ExitCode.ErrorDumpingTree);
  return new Mapping([...data, ...meta]);
}

const enc = new TextEncoder();

export class JsonStore implements Store {
  readonly name: StoreName = 'json';
  private readonly indent: string;

  constructor(opts?: StoreOptions) {
    this.indent = indentString(opts);
  }

  loadPlain(bytes: Uint8Array): Branches {
    return [parseJsonObject(bytes)];
  }

  loadEncrypted(bytes: Uint8Array): Branches {
    const top = parseJsonObject(bytes);
    const metas = top.items.filter((it) => it.key === 'sops');
    if (metas.length > 1) throw new SopsError('found duplicate sops entry', ExitCode.CouldNotReadInputFile);
    if (metas.length === 1 && !isMapping(metas[0].value)) {
      throw new SopsError('found sops entry that is not a mapping', ExitCode.CouldNotReadInputFile);
    }
    return [top];
  }

  emitPlain(branches: Branches): Uint8Array {
    const first = branches[0];
    if (!first) throw dumpError('no document to write');
    return enc.encode(encode(first, this.indent, 0) + '\n');
  }

  emitEncrypted(branches: Branches): Uint8Array {
    const first = branches[0];
    if (!first) throw dumpError('no document to write');
    return enc.encode(encode(metadataLast(first), this.indent, 0) + '\n');
  }

  emitValue(value: unknown): Uint8Array {
    return enc.encode(encode(value as Value, this.indent, 0));
  }
}
