// Ways an attacker (or a bad merge) changes an encrypted file: byte flips inside ENC[…] fields, the MAC and
// lastmodified, the rule and master keys in the metadata, and moved, renamed, added or dropped keys and items.
import { Comment, Mapping, type Branches, type Value } from '../../src/sops/tree.js';
import { metadataKeyOf, type Store } from '../../src/sops/store.js';

/** One tampered file and the exit codes that would be right for refusing it. */
export interface TamperCase {
  name: string;
  bytes: Uint8Array;
  codes: number[];
  /**
   * Only the `type` label changed. sops authenticates neither it (outside the GCM tag) nor its effect on the MAC
   * (which hashes the plaintext bytes), so a relabel that parses may pass: the bytes are proven unchanged.
   */
  relabel?: boolean;
}

const ENC_RE = /ENC\[AES256_GCM,data:([^,\]]*),iv:([^,\]]*),tag:([^,\]]*),type:([^\]]*)\]/g;
const MAC_CODES = [24, 51];

export interface EncField {
  start: number;
  end: number;
  data: string;
  iv: string;
  tag: string;
  type: string;
  /** An encrypted comment: sops leaves these out of the MAC and tolerates ones that do not decrypt. */
  comment: boolean;
  /** The MAC itself (metadata), authenticated with lastmodified as AAD. */
  mac: boolean;
}

export function encFields(text: string): EncField[] {
  const out: EncField[] = [];
  for (const m of text.matchAll(ENC_RE)) {
    const start = m.index!;
    const lineStart = text.lastIndexOf('\n', start) + 1;
    const before = text.slice(lineStart, start);
    out.push({
      start,
      end: start + m[0].length,
      data: m[1],
      iv: m[2],
      tag: m[3],
      type: m[4],
      comment: /#\s*$/.test(before) || m[4] === 'comment',
      mac: /mac["']?\s*[:=]\s*["']?$/.test(before),
    });
  }
  return out;
}

function render(f: EncField, part: Partial<Pick<EncField, 'data' | 'iv' | 'tag' | 'type'>>): string {
  const x = { ...f, ...part };
  return `ENC[AES256_GCM,data:${x.data},iv:${x.iv},tag:${x.tag},type:${x.type}]`;
}

/** Flips bits of byte `pos` of a base64 field's decoded bytes (xor `mask`, never 0); re-encoded canonically. */
export function flipB64(b64: string, pos: number, mask: number): string {
  const b = Buffer.from(b64, 'base64');
  b[pos % b.length] ^= mask & 0xff || 1;
  return b.toString('base64');
}

function splice(text: string, f: EncField, repl: string): Uint8Array {
  return Buffer.from(text.slice(0, f.start) + repl + text.slice(f.end), 'utf8');
}

/**
 * Byte flips of one ENC field: every byte of data, iv and tag when `every`, else one random byte of each,
 * plus a type change. The flips go into the decoded bytes: a flip in base64 padding bits changes nothing.
 */
export function fieldFlips(text: string, f: EncField, rnd: () => number, every: boolean): TamperCase[] {
  const codes = f.mac ? MAC_CODES : [25];
  const out: TamperCase[] = [];
  for (const part of ['data', 'iv', 'tag'] as const) {
    const len = Buffer.from(f[part], 'base64').length;
    if (len === 0) continue;
    const positions = every ? [...Array(len).keys()] : [Math.floor(rnd() * len)];
    for (const pos of positions) {
      const mask = 1 + Math.floor(rnd() * 255);
      out.push({ name: `${f.mac ? 'mac' : 'value'} ${part}[${pos}]^${mask}`, bytes: splice(text, f, render(f, { [part]: flipB64(f[part], pos, mask) })), codes });
    }
  }
  const types = ['str', 'int', 'float', 'bool', 'time', 'bytes', 'comment', 'strx', ''].filter((x) => x !== f.type);
  const type = types[Math.floor(rnd() * types.length)];
  out.push({ name: `${f.mac ? 'mac' : 'value'} type ${f.type}→${type || '(empty)'}`, bytes: splice(text, f, render(f, { type })), codes, relabel: true });
  return out;
}

/** lastmodified moved by a year: it is the MAC's AAD, so the MAC no longer opens. */
export function lastModifiedCase(text: string): TamperCase | undefined {
  const re = /(lastmodified["']?\s*[:=]\s*["']?)(\d{4})(-\d\d-\d\dT)/;
  const m = re.exec(text);
  if (!m) return undefined;
  const year = String(Number(m[2]) + 1);
  return { name: 'lastmodified +1y', bytes: Buffer.from(text.replace(re, `$1${year}$3`), 'utf8'), codes: MAC_CODES };
}

/** The encryption rule swapped for one that leaves every value "unencrypted": the ENC strings no longer hash like the values. */
export function ruleCase(text: string): TamperCase | undefined {
  const re = /(["']?)(unencrypted_suffix|encrypted_suffix|unencrypted_regex|encrypted_regex|unencrypted_comment_regex|encrypted_comment_regex)(["']?\s*[:=]\s*["']?)([^"'\r\n]*)/;
  if (!re.test(text)) return undefined;
  return { name: 'rule → unencrypted_regex .', bytes: Buffer.from(text.replace(re, '$1unencrypted_regex$3.'), 'utf8'), codes: [25, 51] };
}

/** Every master key's wrapped data key damaged (one base64 character changed inside each armored block). */
export function masterKeysCase(text: string): TamperCase | undefined {
  const re = /-----BEGIN (AGE ENCRYPTED FILE|PGP MESSAGE)-----/g;
  const chars = text.split('');
  let n = 0;
  for (const m of text.matchAll(re)) {
    // Skip the armor header and a few lines into the body, then change the next base64 letter.
    let i = m.index! + m[0].length + 90;
    while (i < chars.length && !/[A-Za-z]/.test(chars[i])) i++;
    if (i >= chars.length) continue;
    chars[i] = chars[i] === 'A' ? 'B' : 'A';
    n++;
  }
  if (n === 0) return undefined;
  return { name: `${n} master key(s) damaged`, bytes: Buffer.from(chars.join(''), 'utf8'), codes: [128] };
}

/** The metadata item of a loaded tree (`sops`, or dotenv's own key): never a target of the structural changes. */
const META_KEYS = new Set(['sops', metadataKeyOf('dotenv')]);
const isMetaKey = (k: string | Comment): boolean => typeof k === 'string' && META_KEYS.has(k);

interface Slot {
  parent: Mapping;
  index: number;
  path: string[];
}

function hashed(v: Value): boolean {
  if (v instanceof Mapping) return v.items.some((it) => typeof it.key === 'string' && hashed(it.value));
  if (Array.isArray(v)) return v.some(hashed);
  return v !== null && !(v instanceof Comment);
}

function slots(m: Mapping, path: string[], out: Slot[]): Slot[] {
  m.items.forEach((it, index) => {
    if (typeof it.key !== 'string' || (path.length === 0 && isMetaKey(it.key))) return;
    out.push({ parent: m, index, path: [...path, it.key] });
    if (it.value instanceof Mapping) slots(it.value, [...path, it.key], out);
  });
  return out;
}

function lists(v: Value, out: Value[][]): Value[][] {
  if (v instanceof Mapping) for (const it of v.items) if (typeof it.key === 'string' && !isMetaKey(it.key)) lists(it.value, out);
  if (Array.isArray(v)) {
    if (v.filter(hashed).length >= 1) out.push(v);
    for (const x of v) lists(x, out);
  }
  return out;
}

const isEnc = (v: Value) => typeof v === 'string' && v.startsWith('ENC[');

/**
 * Structural changes, each on a fresh parse of `bytes`: a renamed key and a moved value (the AAD no longer
 * matches), a dropped, added or reordered key, and an added, dropped or reordered list item (the MAC no longer matches).
 */
export function structureCases(bytes: Uint8Array, store: Store, macOnlyEncrypted: boolean): TamperCase[] {
  const out: TamperCase[] = [];
  const variant = (name: string, codes: number[], change: (b: Branches) => boolean) => {
    let b: Branches;
    try {
      b = store.loadEncrypted(bytes);
    } catch {
      return;
    }
    if (!b[0] || !change(b)) return;
    out.push({ name, bytes: store.emitEncrypted(b), codes });
  };
  const first = (b: Branches, ok: (s: Slot, v: Value) => boolean): Slot | undefined =>
    slots(b[0], [], []).find((s) => ok(s, s.parent.items[s.index].value));

  variant('renamed key of an encrypted value', [25], (b) => {
    const s = first(b, (_s, v) => isEnc(v));
    if (!s) return false;
    s.parent.items[s.index].key += 'x';
    return true;
  });
  variant('encrypted value moved to another key', [25], (b) => {
    const all = slots(b[0], [], []).filter((s) => isEnc(s.parent.items[s.index].value));
    if (all.length < 2) return false;
    const [a, c] = [all[0], all[all.length - 1]];
    const va = a.parent.items[a.index].value;
    const vc = c.parent.items[c.index].value;
    if (va === vc) return false;
    a.parent.items[a.index].value = vc;
    c.parent.items[c.index].value = va;
    return true;
  });
  if (!macOnlyEncrypted || store.name !== 'binary') {
    variant('dropped key', [51], (b) => {
      const s = first(b, (_s, v) => hashed(v) && (!macOnlyEncrypted || isEnc(v)));
      if (!s) return false;
      s.parent.items.splice(s.index, 1);
      return true;
    });
    variant('two keys swapped', [51], (b) => {
      const s = first(b, (x, v) => {
        const next = x.parent.items[x.index + 1];
        return hashed(v) && !!next && typeof next.key === 'string' && !isMetaKey(next.key) && hashed(next.value) && JSON.stringify(String(v)) !== JSON.stringify(String(next.value));
      });
      if (!s) return false;
      const items = s.parent.items;
      [items[s.index], items[s.index + 1]] = [items[s.index + 1], items[s.index]];
      return true;
    });
  }
  if (!macOnlyEncrypted) {
    variant('added key', [25, 51], (b) => {
      // INI keeps values in sections; the other stores take a top-level key.
      const target = store.name === 'ini' ? (b[0].items.find((it) => it.value instanceof Mapping && !isMetaKey(it.key))?.value as Mapping | undefined) : b[0];
      if (!target) return false;
      target.items.push({ key: 'tamper_added_unencrypted', value: 'added by an attacker' });
      return true;
    });
  }
  variant('list item duplicated', [51], (b) => {
    const l = lists(b[0], [])[0];
    if (!l) return false;
    l.push(l.find(hashed)!);
    return true;
  });
  variant('list item dropped', [51], (b) => {
    const l = lists(b[0], [])[0];
    if (!l) return false;
    l.splice(l.findIndex(hashed), 1);
    return true;
  });
  variant('list items swapped', [51], (b) => {
    for (const l of lists(b[0], [])) {
      const i = l.findIndex((x, j) => j + 1 < l.length && hashed(x) && hashed(l[j + 1]) && x !== l[j + 1]);
      if (i < 0) continue;
      [l[i], l[i + 1]] = [l[i + 1], l[i]];
      return true;
    }
    return false;
  });
  return out;
}
