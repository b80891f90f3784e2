// The INI store: go-ini's reading rules (DEFAULT section, trimming, inline comments, quoted and """ values) and
// its writer (aligned `key = value`), with the metadata as a flattened `[sops]` section, as sops 3.13.2 writes it.
import { ExitCode, SopsError } from '../../errors.js';
import type { Store, StoreName } from '../store.js';
import { Comment, Mapping, SopsTime, isComment, isMapping, type Branches, type Item, type Value } from '../tree.js';
import { flatten, unflatten } from './flatten.js';
import { formatFloatG } from '../gofmt.js';
import { byteLength, goTrimLeft, goTrimSpace, valToString } from './gotext.js';
import { decodeRaw, encodeRaw, hasRawBytes, leafOf, textOf } from './rawtext.js';
import { goJsonScalar, goJsonString } from './json.js';

const DEFAULT_SECTION = 'DEFAULT';
const DELIMITERS = '=:';

interface IniKey {
  name: string;
  value: string;
  comment: string;
}

interface IniSection {
  name: string;
  comment: string;
  keys: IniKey[];
}

/** Section.NewKey without shadows: a repeated key overwrites the value in place. */
function newKey(sec: IniSection, name: string, value: string): IniKey {
  const found = sec.keys.find((k) => k.name === name);
  if (found) {
    found.value = value;
    return found;
  }
  const k = { name, value, comment: '' };
  sec.keys.push(k);
  return k;
}

function indexAny(s: string, chars: string): number {
  for (let i = 0; i < s.length; i++) if (chars.includes(s[i])) return i;
  return -1;
}

function hasSurroundedQuote(s: string, q: string): boolean {
  return s.length >= 2 && s[0] === q && s[s.length - 1] === q && s.indexOf(q, 1) === s.length - 1;
}

/** A line reader with go-ini's parser state (pending comment text, auto-increment counter). */
class IniParser {
  private pos = 0;
  private line = 0;
  eof = false;
  comment = '';

  constructor(private readonly text: string) {}

  fail(what: string): SopsError {
    return new SopsError(`could not unmarshal input data: ${what} (line ${this.line})`, ExitCode.CouldNotReadInputFile);
  }

  /** bufio ReadBytes('\n'): the line with its newline; at the end, whatever is left. */
  readLine(): string {
    const nl = this.text.indexOf('\n', this.pos);
    this.line++;
    if (nl === -1) {
      const rest = this.text.slice(this.pos);
      this.pos = this.text.length;
      this.eof = true;
      return rest;
    }
    const l = this.text.slice(this.pos, nl + 1);
    this.pos = nl + 1;
    return l;
  }

  keyName(line: string): [string, number] {
    let quote = '';
    if (line[0] === '"') quote = byteLength(line) > 6 && line.startsWith('"""') ? '"""' : '"';
    else if (line[0] === '`') quote = '`';
    if (quote) {
      const start = quote.length;
      const rel = line.indexOf(quote, start);
      if (rel === -1) throw this.fail('missing closing key quote');
      const i = indexAny(line.slice(rel + start), DELIMITERS);
      if (i < 0) throw this.fail('key-value delimiter not found');
      return [goTrimSpace(line.slice(start, rel)), rel + i + start + 1];
    }
    const end = indexAny(line, DELIMITERS);
    if (end < 0) throw this.fail('key-value delimiter not found');
    if (end === 0) throw this.fail('empty key name');
    return [goTrimSpace(line.slice(0, end)), end + 1];
  }

  multiline(val: string, quote: string): string {
    for (;;) {
      const next = this.readLine();
      const pos = next.lastIndexOf(quote);
      if (pos > -1) {
        val += next.slice(0, pos);
        const rest = next.slice(pos);
        const c = indexAny(rest, '#;');
        if (c > -1) this.comment += goTrimSpace(rest.slice(c));
        return val;
      }
      val += next;
      if (this.eof) throw this.fail('missing closing quote of a multi-line value');
    }
  }

  continuation(val: string): string {
    for (;;) {
      const next = goTrimSpace(this.readLine());
      if (next.length === 0) return val;
      val += next;
      if (!val.endsWith('\\')) return val;
      val = val.slice(0, -1);
      if (this.eof) return val;
    }
  }

  value(raw: string): string {
    let line = goTrimLeft(raw);
    if (line.length === 0) return '';
    let quote = '';
    if (byteLength(line) > 3 && line.startsWith('"""')) quote = '"""';
    else if (line[0] === '`') quote = '`';
    if (quote) {
      const start = quote.length;
      const pos = line.slice(start).lastIndexOf(quote);
      if (pos === -1) return this.multiline(line.slice(start), quote);
      return line.slice(start, pos + start);
    }
    line = goTrimSpace(line);
    if (line.endsWith('\\')) return this.continuation(line.slice(0, -1));
    const i = indexAny(line, '#;');
    if (i > -1) {
      this.comment += line.slice(i);
      line = goTrimSpace(line.slice(0, i));
    }
    if (hasSurroundedQuote(line, "'") || hasSurroundedQuote(line, '"')) line = line.slice(1, -1);
    return line;
  }

  parse(): IniSection[] {
    let section: IniSection = { name: DEFAULT_SECTION, comment: '', keys: [] };
    const sections = [section];
    let count = 1;
    while (!this.eof) {
      const line = goTrimLeft(this.readLine());
      if (line.length === 0) continue;
      if (line[0] === '#' || line[0] === ';') {
        this.comment += line;
        continue;
      }
      if (line[0] === '[') {
        const close = line.lastIndexOf(']');
        if (close === -1) throw this.fail('unclosed section');
        const name = line.slice(1, close);
        if (name.length === 0) throw this.fail('empty section name');
        section = { name, comment: '', keys: [] };
        sections.push(section);
        const rest = line.slice(close + 1);
        const c = indexAny(rest, '#;');
        if (c > -1) this.comment += rest.slice(c);
        section.comment = goTrimSpace(this.comment);
        this.comment = '';
        count = 1;
        continue;
      }
      const [first, offset] = this.keyName(line);
      let name = first;
      if (name === '-') name = '#' + count++;
      const value = this.value(line.slice(offset));
      if (name.length === 0) throw this.fail('empty key name');
      const key = newKey(section, name, value);
      key.comment = goTrimSpace(this.comment);
      this.comment = '';
    }
    return sections;
  }
}

/** sops's stripCommentChar: drops every leading `;`/`#` and space. */
function stripCommentChar(c: string): string {
  if (c.startsWith(';')) return c.replace(/^[; ]+/, '');
  if (c.startsWith('#')) return c.replace(/^[# ]+/, '');
  return c;
}

function stripBOM(bytes: Uint8Array): Uint8Array {
  if (bytes.length >= 2 && ((bytes[0] === 0xfe && bytes[1] === 0xff) || (bytes[0] === 0xff && bytes[1] === 0xfe))) return bytes.subarray(2);
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bytes.subarray(3);
  return bytes;
}

/** Names and comments are text in the tree (they go into AADs and comment ciphertexts as UTF-8): bytes are refused there. */
function textOnly(s: string, what: string): string {
  if (hasRawBytes(s)) throw new SopsError(`could not unmarshal input data: invalid UTF-8 in a ${what}`, ExitCode.CouldNotReadInputFile);
  return s;
}

/** Values that are not UTF-8 are kept as their bytes, as sops keeps them (go-ini works on Go byte strings). */
function parseIni(bytes: Uint8Array): Mapping {
  const sections = new IniParser(decodeRaw(stripBOM(bytes))).parse();
  const top = new Mapping();
  for (const s of sections) {
    const items: Item[] = [];
    if (s.comment) items.push({ key: new Comment(textOnly(stripCommentChar(s.comment), 'comment')), value: null });
    for (const k of s.keys) {
      items.push({ key: textOnly(k.name, 'key name'), value: leafOf(k.value) });
      if (k.comment) items.push({ key: new Comment(textOnly(stripCommentChar(k.comment), 'comment')), value: null });
    }
    top.items.push({ key: textOnly(s.name, 'section name'), value: new Mapping(items) });
  }
  return top;
}

function dumpError(what: string): SopsError {
  return new SopsError(`error marshaling to INI: ${what}`, ExitCode.ErrorDumpingTree);
}

/** Go's time.Time String() of a parsed timestamp: `2006-01-02 15:04:05.999999999 -0700 MST` (a fixed zone is named by its offset). */
function goTimeString(t: SopsTime): string {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d(?:\.\d+)?)(Z|[+-]\d\d:\d\d)$/.exec(t.text);
  if (!m) return t.text;
  const zone = m[3] === 'Z' ? '+0000 UTC' : `${m[3].replace(':', '')} ${m[3].replace(':', '')}`;
  return `${m[1]} ${m[2]} ${zone}`;
}

/** Go's fmt %v of a tree value inside a nested one: a mapping is a slice of {Key Value} structs, a comment {Value Inline}. */
function goSprintV(v: Value): string {
  if (isMapping(v)) return '[' + v.items.map((it) => '{' + goSprintV(it.key) + ' ' + goSprintV(it.value) + '}').join(' ') + ']';
  if (Array.isArray(v)) return '[' + v.map(goSprintV).join(' ') + ']';
  if (v instanceof Comment) return '{' + textOf(v.text) + ' ' + String(v.inline) + '}';
  if (typeof v === 'string' || v instanceof Uint8Array) return textOf(v);
  if (typeof v === 'number') return formatFloatG(v);
  if (v instanceof SopsTime) return goTimeString(v);
  return valToString(v);
}

/** stores.ValToString of a key's value: a nested value is written as Go's %v of it, as sops writes it. */
function leafString(v: Value): string {
  if (isMapping(v) || Array.isArray(v)) return goSprintV(v);
  if (typeof v === 'string' || v instanceof Uint8Array) return textOf(v);
  return valToString(v);
}

/** Builds go-ini sections from the tree as sops's encodeTree does (one comment per key survives). */
function toSections(branches: Branches): IniSection[] {
  const out: IniSection[] = [];
  for (const branch of branches) {
    for (const it of branch.items) {
      if (isComment(it.key)) continue;
      if (it.key.length === 0) throw dumpError('error encoding section: empty section name');
      // sops's own words (stores/ini encodeTree), e.g. for `--extract` of a section, whose values are not sections.
      if (!isMapping(it.value)) throw dumpError('Error encoding section: Section values should always be TreeBranches');
      const sec: IniSection = { name: textOf(it.key), comment: '', keys: [] };
      const items = it.value.items;
      let first = 0;
      if (items.length > 0 && isComment(items[0].key)) {
        sec.comment = textOf(items[0].key.text);
        first = 1;
      }
      let last: IniKey | undefined;
      for (let i = first; i < items.length; i++) {
        const kv = items[i];
        if (isComment(kv.key)) {
          if (last) last.comment = textOf(kv.key.text);
          continue;
        }
        if (kv.key.length === 0) throw dumpError('error encoding key: empty key name');
        last = newKey(sec, textOf(kv.key), leafString(kv.value));
      }
      out.push(sec);
    }
  }
  return out;
}

function commentLines(comment: string, trimPlain: boolean): string {
  let out = '';
  for (const line of comment.split('\n')) {
    if (line.length === 0) out += ';\n';
    else if (line[0] !== '#' && line[0] !== ';') out += '; ' + (trimPlain ? goTrimSpace(line) : line) + '\n';
    else out += line[0] + ' ' + goTrimSpace(line.slice(1)) + '\n';
  }
  return out;
}

function quoteKey(name: string): string {
  if (name.includes('"') || indexAny(name, DELIMITERS) >= 0) return '`' + name + '`';
  if (name.includes('`')) return '"""' + name + '"""';
  return name;
}

function quoteValue(v: string): string {
  if (v.includes('\n') || v.includes('`')) return '"""' + v + '"""';
  if (v.includes('#') || v.includes(';')) return '`' + v + '`';
  if (goTrimSpace(v).length !== v.length) return '"' + v + '"';
  return v;
}

/** go-ini File.WriteTo with its defaults: pretty format, a blank line between sections, no [DEFAULT] header. */
function writeIni(sections: IniSection[]): string {
  let out = '';
  sections.forEach((sec, i) => {
    if (sec.comment.length > 0) out += commentLines(sec.comment, false);
    if (i > 0 || sec.name.toUpperCase() !== DEFAULT_SECTION) out += '[' + sec.name + ']\n';
    else if (sec.keys.length === 0) return;
    let align = 0;
    for (const k of sec.keys) align = Math.max(align, byteLength(quoteKey(k.name)));
    for (const k of sec.keys) {
      if (k.comment.length > 0) out += commentLines(k.comment, true);
      const name = quoteKey(k.name);
      out += name + ' '.repeat(align - byteLength(name)) + ' = ' + quoteValue(k.value) + '\n';
    }
    if (i !== sections.length - 1) out += '\n';
  });
  return out;
}

/** Go json.Marshal of a sops tree value, where a mapping is a list of {Key, Value} structs (sops INI EmitValue). */
function goMarshalTree(v: Value): string {
  if (isMapping(v)) {
    if (v.items.length === 0) return 'null';
    const items = v.items.map((it) => {
      const key = isComment(it.key) ? '{"Value":' + goJsonString(it.key.text) + '}' : goJsonString(it.key);
      return '{"Key":' + key + ',"Value":' + goMarshalTree(it.value) + '}';
    });
    return '[' + items.join(',') + ']';
  }
  if (Array.isArray(v)) return '[' + v.map(goMarshalTree).join(',') + ']';
  if (v instanceof Comment) return '{"Value":' + goJsonString(v.text) + '}';
  return goJsonScalar(v);
}

const enc = new TextEncoder();

export class IniStore implements Store {
  readonly name: StoreName = 'ini';

  loadPlain(bytes: Uint8Array): Branches {
    return [parseIni(bytes)];
  }

  /** Replaces the `[sops]` section by the nested `sops` item; `\n` escapes and 3.13.0's """ values both read. */
  loadEncrypted(bytes: Uint8Array): Branches {
    const top = parseIni(bytes);
    const metas = top.items.filter((it) => it.key === 'sops');
    if (metas.length > 1) throw new SopsError('found duplicate sops entry', ExitCode.CouldNotReadInputFile);
    if (metas.length === 0) return [top];
    const section = metas[0].value as Mapping;
    const unescaped = section.items.map((it) => (typeof it.value === 'string' ? { key: it.key, value: it.value.replaceAll('\\n', '\n') } : it));
    const data = top.items.filter((it) => it.key !== 'sops');
    const out = new Mapping(data);
    if (unescaped.some((it) => !isComment(it.key))) out.items.push({ key: 'sops', value: unflatten(unescaped) });
    return [out];
  }

  emitPlain(branches: Branches): Uint8Array {
    return encodeRaw(writeIni(toSections(branches)));
  }

  emitEncrypted(branches: Branches): Uint8Array {
    const out = branches.map((branch) => {
      const data: Item[] = [];
      let meta: Item | undefined;
      for (const it of branch.items) {
        if (it.key !== 'sops') {
          data.push(it);
          continue;
        }
        if (meta) throw dumpError('found duplicate sops entry');
        if (!isMapping(it.value)) throw dumpError('the sops entry is not a mapping');
        const flat = flatten(it.value, '').map((f) => (typeof f.value === 'string' ? { key: f.key, value: f.value.replaceAll('\n', '\\n') } : f));
        meta = { key: 'sops', value: new Mapping(flat) };
      }
      return new Mapping(meta ? [...data, meta] : data);
    });
    return this.emitPlain(out);
  }

  emitValue(value: unknown): Uint8Array {
    return enc.encode(goMarshalTree(value as Value));
  }
}
