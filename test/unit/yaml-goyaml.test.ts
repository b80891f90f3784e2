// Differential test of the YAML store against go-yaml v3 itself (the parser sops links), run as an oracle:
// a seeded corpus of mutated values files and of one-line scalars, each read by both. For every input they must agree
// on accept or refuse (with go-yaml's own message), on every node (kind, tag, style, value, anchor, position,
// head/line/foot comments, decoded Go value), the store must refuse exactly what sops refuses, the fast path must
// never disagree, and what our emitter writes must read back, through go-yaml, as the same nodes and the same tree.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { NodeReader, type YNode } from '../../src/sops/stores/yaml-parse.js';
import { YamlSyntaxError } from '../../src/sops/stores/yaml-scan.js';
import { loadYamlNodes, plainTag, scalarValue, yamlText } from '../../src/sops/stores/yaml-load.js';
import { scanYaml } from '../../src/sops/stores/yaml-fast.js';
import { YamlStore } from '../../src/sops/stores/yaml.js';
import { Comment, Mapping, SopsTime, type Branches, type Scalar, type Value } from '../../src/sops/tree.js';
import { goyaml, goyamlEmit, type GoNode, type GoResult } from '../helpers/goyaml.js';
import { VECTORS } from '../helpers/paths.js';
import { REGRESSIONS, SEEDS } from '../helpers/yaml-corpus.js';

const COUNT = Number(process.env.YAML_DIFF_COUNT ?? 20000);
const SEED = Number(process.env.YAML_DIFF_SEED ?? 20261201);

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yamlFiles(p, out);
    else if (/\.ya?ml(\.dec)?$/.test(name) && statSync(p).size < 20000) out.push(p);
  }
  return out;
}

const enc = new TextEncoder();

// ---- the corpus ----

const PIECES = [
  '\t', ':', ': ', '"', "'", '[', ']', '{', '}', '#', ' #', '&', '*', '!', '|', '>', '-', '- ', '?', '? ', ',', '%', '@',
  '`', ' ', '  ', '\n', '\r\n', '\r', '\u0085', '\u2028', '\u2029', '\ufeff', 'é', '\\', '\\/', '...', '---', '&a ', '*a',
  '<<: ', '<<: *a', '|-\n', '|+\n', '>-\n', '|2\n', '# c\n', ' # c', 'x: y', '!!str ', '!!int ', '!!binary ', '!foo ',
  '\x01', '\x7f', '1e400', '"\\x41"', "''", '""', 'null', '~', '0x1F', '2024-01-01', '\u00a0', '😀',
];

function mutate(text: string, ops: { kind: number; at: number; piece: number; n: number }[]): string {
  let s = text;
  for (const op of ops) {
    const at = s.length === 0 ? 0 : op.at % (s.length + 1);
    switch (op.kind) {
      case 0: // delete a character
        s = s.slice(0, at) + s.slice(at + 1);
        break;
      case 1: // double a character
        s = s.slice(0, at) + s.charAt(at) + s.slice(at);
        break;
      case 2: // swap two characters
        if (at + 1 < s.length) s = s.slice(0, at) + s.charAt(at + 1) + s.charAt(at) + s.slice(at + 2);
        break;
      case 3: // insert a piece of YAML syntax
      case 4:
        s = s.slice(0, at) + PIECES[op.piece % PIECES.length] + s.slice(at);
        break;
      case 5: {
        // shift a line's indentation
        const ls = s.lastIndexOf('\n', at - 1) + 1;
        if (op.n % 2 === 0) s = s.slice(0, ls) + ' '.repeat(1 + (op.n % 3)) + s.slice(ls);
        else if (s.startsWith(' ', ls)) s = s.slice(0, ls) + s.slice(ls + 1 + (op.n % 2));
        break;
      }
      case 6: // cut the file short (block scalars and flows at the end of the file)
        s = s.slice(0, Math.max(1, at));
        break;
      case 7: {
        // duplicate a line
        const ls = s.lastIndexOf('\n', at - 1) + 1;
        let le = s.indexOf('\n', at);
        if (le < 0) le = s.length;
        s = s.slice(0, le) + '\n' + s.slice(ls, le) + s.slice(le);
        break;
      }
    }
  }
  return s;
}

function corpus(): string[] {
  const files = yamlFiles(VECTORS).map((f) => readFileSync(f, 'utf8'));
  const seeds = [...SEEDS, ...files];
  const op = fc.record({ kind: fc.nat(7), at: fc.nat(100000), piece: fc.nat(1000), n: fc.nat(100) });
  const arb = fc.tuple(fc.nat(seeds.length - 1), fc.array(op, { minLength: 1, maxLength: 4 }));
  return fc.sample(arb, { numRuns: COUNT, seed: SEED }).map(([i, ops]) => mutate(seeds[i]!, ops));
}

// Pieces of numbers, booleans, nulls and timestamps: what decides the type yaml.v3 resolves a plain scalar to.
const SCALAR_PIECES = [
  '0', '1', '2', '5', '9', '-', '+', '.', '_', 'e', 'E', 'x', 'X', 'o', 'b', 'B', 'a', 'f', 'F', 'T', 't', 'Z', ':', ' ',
  ',', '0x', '0o', '0b', 'inf', 'Inf', 'nan', 'NaN', '2024', '-01', '12', '59', '60', '24', 'n', 'ull', 'rue', 'alse',
  'y', '~', '<<', '9999', '.5', '2019-08-29', '2019-8-9', 'T21:52:3', 't1:2:3', '  21:52:03', ':05', '.1234567891', ',5',
  '+01:00', '-24:00', '+01:60', '2000-02-29', '1999-02-29',
];
// (No zone offset past 24:00 (+25:00, +24:60): the Go that builds the oracle may predate time.Parse's range check,
// which sops's Go has, and sops writes +24:60 back as +25:00, which it then reads as a string.)

/** One-line files `k: <scalar>`, plain, tagged or quoted, from SCALAR_PIECES. */
function scalarCorpus(): string[] {
  const tag = fc.constantFrom('', '', '', '!!int ', '!!float ', '!!bool ', '!!null ', '!!timestamp ', '!!str ', '"', "'");
  const pieces = fc.array(fc.constantFrom(...SCALAR_PIECES), { minLength: 1, maxLength: 5 }).map((p) => p.join(''));
  const time = fc
    .tuple(
      fc.constantFrom('2019-08-29', '2019-8-9', '0000-01-01', '2000-02-29', '1999-02-29', '2019-13-01', '2019-1-32', '2019-001-01'),
      fc.constantFrom('', 'T', 't', ' ', '  ', 'x'),
      fc.constantFrom('21:52:3', '1:2:3', '24:00:00', '23:60:00', '23:59:60', '021:52:03', '21:52', '21:52:03:04'),
      fc.constantFrom('', '.', ',', '.5', ',123', '.123456789', '.1234567891', '.0', ',00'),
      fc.constantFrom('', 'Z', 'z', '+01:00', '-24:00', '+23:60', '+01:60', '+0100', '+01', ' Z', 'UTC', '-00:00'),
    )
    .map((p) => p.join(''));
  const text = fc.oneof(pieces, time);
  return fc.sample(fc.tuple(tag, text), { numRuns: Math.ceil(COUNT / 4), seed: SEED }).map(([t, v]) => `k: ${t}${v}${t === '"' || t === "'" ? t : ''}\n`);
}

// ---- comparing ----

function styleBits(n: YNode): number {
  let b = n.tagged ? 1 : 0;
  if (n.kind === 'scalar') {
    b |= n.style === 'double' ? 2 : n.style === 'single' ? 4 : n.style === 'literal' ? 8 : n.style === 'folded' ? 16 : 0;
  }
  if (n.flow) b |= 32;
  return b;
}

/** Our decoded value of a scalar in go-yaml's terms (type and text), or 'error'. */
function ourGo(n: YNode): { type: string; v: string } | 'error' {
  let r: Scalar;
  try {
    r = scalarValue(n);
  } catch {
    return 'error';
  }
  if (r === null) return { type: 'nil', v: '' };
  if (typeof r === 'string') return { type: 'string', v: r };
  if (typeof r === 'boolean') return { type: 'bool', v: String(r) };
  if (typeof r === 'bigint') return { type: 'int', v: String(r) };
  if (typeof r === 'number') return { type: 'float', v: Number.isNaN(r) ? 'NaN' : r === Infinity ? '+Inf' : r === -Infinity ? '-Inf' : String(r) };
  if (r instanceof SopsTime) return { type: 'time', v: r.text };
  // Bytes from !!binary: a Go string of those bytes; compared as bytes when they are not UTF-8.
  return utf8(r) ? { type: 'string', v: Buffer.from(r).toString('utf8') } : { type: 'rawstring', v: Buffer.from(r).toString('base64') };
}

function goFloat(a: { type: string; v: string }, b: { type: string; v: string }): boolean {
  return a.type === 'float' && b.type === 'float' && (a.v === b.v || Number(a.v) === Number(b.v));
}

function diffNode(ours: YNode, go: GoNode, path: string): string | undefined {
  const here = `${path}/${go.k}@${go.l}:${go.c}`;
  if (ours.kind !== go.k) return `${here}: kind ${ours.kind} != ${go.k}`;
  if (ours.line !== go.l || ours.column !== go.c) return `${here}: position ${ours.line}:${ours.column}`;
  if (ours.head !== (go.hc ?? '')) return `${here}: head comment ${JSON.stringify(ours.head)} != ${JSON.stringify(go.hc ?? '')}`;
  if (ours.lineComment !== (go.lc ?? '')) return `${here}: line comment ${JSON.stringify(ours.lineComment)} != ${JSON.stringify(go.lc ?? '')}`;
  if (ours.foot !== (go.fc ?? '')) return `${here}: foot comment ${JSON.stringify(ours.foot)} != ${JSON.stringify(go.fc ?? '')}`;
  if (ours.anchor !== (go.a ?? '')) return `${here}: anchor ${ours.anchor}`;
  if (go.k === 'alias') return ours.value === go.v ? undefined : `${here}: alias ${ours.value} != ${go.v}`;
  if (go.k !== 'document') {
    if (ours.tag !== go.t) return `${here}: tag ${ours.tag} != ${go.t}`;
    if (styleBits(ours) !== (go.st ?? 0)) return `${here}: style ${styleBits(ours)} != ${go.st ?? 0}`;
  }
  if (go.k === 'scalar') {
    if (ours.value !== (go.v ?? '')) return `${here}: value ${JSON.stringify(ours.value)} != ${JSON.stringify(go.v ?? '')}`;
    const v = ourGo(ours);
    if (go.de !== undefined) return v === 'error' ? undefined : `${here}: go-yaml cannot decode it (${go.de}), we read ${JSON.stringify(v)}`;
    if (v === 'error') return `${here}: we cannot decode what go-yaml reads as ${JSON.stringify(go.go)}`;
    const g = go.go!;
    const gt = g.type === 'uint' ? 'int' : g.type;
    if (!(v.type === gt && v.v === g.v) && !goFloat(v, g)) return `${here}: value ${JSON.stringify(v)} != ${JSON.stringify(g)}`;
    return undefined;
  }
  const ch = go.ch ?? [];
  if (ours.content.length !== ch.length) return `${here}: ${ours.content.length} children != ${ch.length}`;
  for (let i = 0; i < ch.length; i++) {
    const d = diffNode(ours.content[i]!, ch[i]!, here);
    if (d) return d;
  }
  return undefined;
}

interface Ours {
  docs: YNode[];
  error?: string;
}

function readOurs(bytes: Uint8Array): Ours {
  const docs: YNode[] = [];
  let text: string;
  try {
    text = yamlText(bytes);
  } catch (e) {
    return { docs, error: (e as Error).message };
  }
  try {
    const r = new NodeReader(text, plainTag);
    for (let d = r.nextDocument(); d; d = r.nextDocument()) docs.push(d);
  } catch (e) {
    if (e instanceof YamlSyntaxError) return { docs, error: e.goMessage() };
    return { docs, error: `internal: ${(e as Error).stack}` };
  }
  return { docs };
}

/** Whether sops's store (3.10+) accepts what go-yaml read, from go-yaml's own nodes. */
function sopsAccepts(g: GoResult): boolean {
  if (g.check !== '' || g.error !== '' || g.panic) return false;
  const ok = (n: GoNode, top: boolean): boolean => {
    if (n.k === 'scalar') return n.de === undefined && (!top || n.t === '!!null');
    if (n.k === 'alias') return true;
    if (top && n.k === 'sequence') return false;
    const ch = n.ch ?? [];
    if (n.k === 'mapping') {
      for (let i = 0; i < ch.length; i += 2) {
        const k = ch[i]!;
        // Keys: strings only (a sops tree has string keys; aliased keys are checked where they resolve).
        if (k.k === 'scalar' && k.go && k.go.type !== 'string') return false;
        if (k.k === 'scalar' && k.t === '!!binary' && !utf8(Buffer.from((k.v ?? '').replace(/[\r\n]/g, ''), 'base64'))) return false;
        if (k.k !== 'scalar' && k.k !== 'alias') return false;
        if (!ok(k, false) || !ok(ch[i + 1]!, false)) return false;
      }
      return true;
    }
    return ch.every((c) => ok(c, false));
  };
  return g.docs.every((d) => ok(d.ch![0]!, true));
}

function utf8(b: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

function hasAliasKey(n: GoNode): boolean {
  if (n.k === 'mapping' && (n.ch ?? []).some((c, i) => i % 2 === 0 && c.k === 'alias')) return true;
  return (n.ch ?? []).some(hasAliasKey);
}

function storeLoad(bytes: Uint8Array): Branches | Error {
  try {
    return loadYamlNodes(yamlText(bytes), bytes.length > 0);
  } catch (e) {
    return e as Error;
  }
}

describe('YAML store against go-yaml v3 (differential)', function () {
  // (the emitter is checked byte for byte against yaml.v3's encoder in the last case)
  this.timeout(600000);
  const inputs: Uint8Array[] = [];
  const texts: string[] = [];
  let go: GoResult[] = [];

  before(() => {
    for (const t of [...REGRESSIONS, ...corpus(), ...scalarCorpus()]) {
      texts.push(t);
      inputs.push(enc.encode(t));
    }
    go = goyaml(inputs);
    console.log(`      corpus: ${inputs.length} inputs (${REGRESSIONS.length} regression cases + ${COUNT} mutated files + ${Math.ceil(COUNT / 4)} scalars, seed ${SEED})`);
  });

  it('agrees with go-yaml on accept or refuse, the message, and every node', () => {
    const bad: string[] = [];
    let refused = 0;
    let bom = 0;
    for (let i = 0; i < inputs.length; i++) {
      const g = go[i]!;
      const o = readOurs(inputs[i]!);
      let d: string | undefined;
      if (midBom(texts[i]!)) {
        bom++;
        if (o.error === undefined) d = 'a byte order mark inside the text must be refused';
      } else if (g.panic) d = `go-yaml panicked: ${g.panic}`;
      else if (g.error !== '') {
        refused++;
        if (o.error === undefined) d = `go-yaml refuses (${g.error}), we accept`;
        else if (!o.error.startsWith('internal') && o.error !== g.error && !readerError(g.error) && !readerError(o.error)) d = `message ${JSON.stringify(o.error)} != ${JSON.stringify(g.error)}`;
        else if (o.error.startsWith('internal')) d = o.error;
      } else if (o.error !== undefined) d = `we refuse (${o.error}), go-yaml accepts`;
      else if (o.docs.length !== g.docs.length) d = `${o.docs.length} documents != ${g.docs.length}`;
      else for (let j = 0; j < g.docs.length && !d; j++) d = diffNode(o.docs[j]!, g.docs[j]!, `doc${j}`);
      if (d) bad.push(`${d}\n        in ${JSON.stringify(texts[i])}`);
    }
    console.log(
      `      ${inputs.length} inputs: ${inputs.length - refused - bom} read, ${refused} refused by go-yaml, ` +
        `${bom} refused by us for a BOM inside the text (deliberate); ${bad.length} disagreements`,
    );
    report(bad);
  });

  it('refuses exactly what sops refuses, and the fast path never disagrees', () => {
    const bad: string[] = [];
    let fast = 0;
    for (let i = 0; i < inputs.length; i++) {
      const g = go[i]!;
      const r = storeLoad(inputs[i]!);
      const expect = sopsAccepts(g) && !midBom(texts[i]!);
      const got = !(r instanceof Error);
      // A key that is an alias resolves to whatever it points at: checked by loading, not predicted here.
      if (expect !== got && !(g.docs.some(hasAliasKey) && !got)) {
        bad.push(`${JSON.stringify(texts[i])}\n        sops ${expect ? 'accepts' : 'refuses'} (${g.check || g.error}), we ${got ? 'accept' : `refuse (${(r as Error).message})`}`);
        continue;
      }
      let text: string;
      try {
        text = yamlText(inputs[i]!);
      } catch {
        continue;
      }
      const f = scanYaml(text);
      if (f !== null) {
        fast++;
        if (!got) bad.push(`${JSON.stringify(texts[i])}\n        the fast path accepts what the store refuses`);
        else if (!sameTree(f, r as Branches)) bad.push(`${JSON.stringify(texts[i])}\n        the fast path builds another tree`);
      }
    }
    console.log(`      store: ${fast} inputs through the fast path; ${bad.length} disagreements`);
    report(bad);
  });

  it('writes YAML that go-yaml reads back as the same nodes, and that loads back as the same tree', () => {
    const emitted: Uint8Array[] = [];
    const trees: Branches[] = [];
    const from: string[] = [];
    for (let i = 0; i < inputs.length; i++) {
      const r = storeLoad(inputs[i]!);
      if (r instanceof Error) continue;
      let out: Uint8Array;
      try {
        out = new YamlStore().emitPlain(r);
      } catch {
        continue; // trees the emitter cannot write (a key sops cannot write either) are refused, not written wrong
      }
      emitted.push(out);
      trees.push(r);
      from.push(texts[i]!);
    }
    const back = goyaml(emitted);
    const bad: string[] = [];
    for (let i = 0; i < emitted.length; i++) {
      const g = back[i]!;
      const o = readOurs(emitted[i]!);
      const text = new TextDecoder().decode(emitted[i]!);
      let d: string | undefined;
      if (g.error !== '' || g.check !== '') d = `go-yaml refuses our output: ${g.error || g.check}`;
      else if (o.error !== undefined) d = `we refuse our own output: ${o.error}`;
      else if (o.docs.length !== g.docs.length) d = 'document count';
      else for (let j = 0; j < g.docs.length && !d; j++) d = diffNode(o.docs[j]!, g.docs[j]!, `doc${j}`);
      if (!d) {
        const again = storeLoad(emitted[i]!);
        if (again instanceof Error) d = `reload: ${again.message}`;
        else if (!sameTree(dataOf(again), dataOf(trees[i]!))) d = `the output loads as other data: ${firstDiff(dataOf(again), dataOf(trees[i]!))}`;
        else if (commentTexts(again).join('\n') !== commentTexts(trees[i]!).join('\n') && !emptyWithComment(trees[i]!)) d = 'the output loads with other comments';
      }
      if (d) bad.push(`${JSON.stringify(from[i])} -> ${JSON.stringify(text)}\n        ${d}`);
    }
    console.log(`      emitter: ${emitted.length} trees written and read back; ${bad.length} disagreements`);
    report(bad);
  });

  it('writes every tree byte for byte as the sops store does through yaml.v3 (indent 4 and 2)', () => {
    const trees: Branches[] = [];
    for (const b of inputs) {
      const r = storeLoad(b);
      if (!(r instanceof Error)) trees.push(r);
    }
    const loaded = trees.length;
    trees.push(...randomTrees(Math.max(500, COUNT / 4), SEED));
    const bad: string[] = [];
    let written = 0;
    let skipped = 0;
    // Comments where no YAML file puts them (a line comment before a nested block, comments in an empty
    // collection) are written differently from yaml.v3 today: counted, not yet held to its bytes.
    let commentGaps = 0;
    // Where yaml.v3 drops a comment (a head and a line comment on one list item that is a mapping) we keep it.
    let sopsDrops = 0;
    for (const indent of [4, 2]) {
      const want = goyamlEmit(trees, indent);
      for (let i = 0; i < trees.length; i++) {
        let ours: string | Error;
        try {
          ours = new TextDecoder().decode(new YamlStore({ indent }).emitPlain(trees[i]!));
        } catch (e) {
          ours = e as Error;
        }
        // Generated trees are read back too (loaded ones in the case above), whatever sops writes for them.
        if (i >= loaded && !(ours instanceof Error)) {
          const back = storeLoad(enc.encode(ours));
          const lost = back instanceof Error ? `does not load: ${back.message}` : sameTree(dataOf(back), dataOf(trees[i]!)) ? '' : `loads as other data: ${firstDiff(dataOf(back), dataOf(trees[i]!))}`;
          if (lost) bad.push(`random tree, indent ${indent}: ours ${JSON.stringify(ours)} ${lost}`);
        }
        const w = want[i]!;
        if (w.error !== '') continue; // yaml.v3 cannot write it either
        if (deliberate(trees[i]!) || commentIntoBlock(trees[i]!)) {
          skipped++;
          continue;
        }
        written++;
        if (ours instanceof Error) bad.push(`we cannot write what sops writes as ${JSON.stringify(w.out)}: ${ours.message}`);
        else if (ours !== w.out && i >= loaded && hasComment(trees[i]!)) commentGaps++;
        else if (ours !== w.out && commentCount(w.out) < commentCount(ours) && keepsComments(ours, trees[i]!)) sopsDrops++;
        else if (ours !== w.out) bad.push(`${i < loaded ? 'read' : 'random'} tree, indent ${indent}: ours ${JSON.stringify(ours)}\n        sops ${JSON.stringify(w.out)}`);
      }
    }
    console.log(
      `      emitter bytes: ${written} trees written at indent 4 and 2; ${bad.length} differ from yaml.v3; ` +
        `${skipped} hold a deliberate difference (checked by reading them back instead); ` +
        `${commentGaps} generated trees with comments in places no file has them are written differently; ` +
        `${sopsDrops} where sops drops a comment that we keep`,
    );
    report(bad);
  });
});

/**
 * go-yaml decodes its input in 512-byte chunks ahead of the scanner, so which of an invalid character and a syntax
 * error it reports first depends on chunk borders; we check characters first. Both refuse; the messages may differ.
 */
/** A U+FEFF after the start: refused on purpose (go-yaml's reading of it depends on its read buffer). */
function midBom(text: string): boolean {
  return text.indexOf('\ufeff', 1) > 0;
}

function readerError(msg: string): boolean {
  return /control characters are not allowed|UTF-8|UTF-16/.test(msg);
}

function report(bad: string[]): void {
  if (process.env.YAML_DIFF_DUMP) writeFileSync(process.env.YAML_DIFF_DUMP, bad.join('\n') + '\n', { flag: 'a' });
  if (bad.length === 0) return;
  const shown = bad.slice(0, 8).map((b) => (b.length > 600 ? b.slice(0, 600) + '...' : b));
  assert.fail(`${bad.length} disagreements, the first ones:\n      ${shown.join('\n      ')}`);
}

/** Random sops trees with the strings, keys and comments that decide how yaml.v3 writes a scalar. */
function randomTrees(n: number, seed: number): Branches[] {
  const unit = fc.constantFrom('a', 'b', 'Z', '1', '0', '.', ' ', '  ', ':', '#', '-', "'", '"', '\\', '\n', '\t', '[', '{', ',',
    '\u2028', '\u0085', '\u00a0', '\ufeff', '\u0001', 'é', '😀', 'word ', 'longer words here ');
  const str = fc.oneof(
    fc.string({ unit, maxLength: 12 }),
    fc.constantFrom('', '<<', 'null', 'true', '~', '012', '0x1F', '1e400', '1_000', 'yes', '2024-01-01', '-', '? x', '- x', '---', 'a: b',
      'x'.repeat(130), 'word '.repeat(30).trim(), '\nleading blank', ' leading space', 'trailing space ', 'two\n\nbreaks\n\n'),
  );
  const comment = fc.tuple(fc.string({ unit: fc.constantFrom('a', ' ', '#', 'é', ':'), maxLength: 6 }), fc.boolean()).map(([t, inl]) => new Comment(' ' + t, inl));
  const leaf: fc.Arbitrary<Value> = fc.oneof(
    str,
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    fc.double({ noDefaultInfinity: false }),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 80 }),
  );
  const { tree } = fc.letrec<{ tree: Value; map: Mapping; list: Value[] }>((tie) => ({
    tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('map'), tie('list')),
    map: fc
      .uniqueArray(fc.tuple(str, fc.oneof(tie('tree'), comment)), { selector: ([k]) => k, maxLength: 4 })
      .map((kvs) => new Mapping(kvs.map(([k, v]) => (v instanceof Comment ? { key: v, value: null } : { key: k, value: v })))),
    list: fc.array(fc.oneof(tie('tree'), comment), { maxLength: 4 }),
  }));
  return fc.sample(fc.array(tree.filter((t): t is Mapping => t instanceof Mapping), { minLength: 1, maxLength: 2 }), { numRuns: n, seed });
}

/**
 * Trees where we write other bytes than sops on purpose, because sops's bytes read back as other data (README,
 * "Deliberate differences from sops"): a `<<` string (sops: `!!merge <<`, a merge to helm), bytes from
 * `!!binary` that are UTF-8 text (sops: the text; other bytes both write as `!!binary`), NEL/LS/PS (sops: raw, which YAML 1.1 readers take as line breaks), and text that
 * starts with a line break in a block scalar (yaml.v3 drops it).
 */
function commentCount(yaml: string): number {
  return (yaml.match(/(^|\s)#/gm) ?? []).length;
}

/** Our output reads back with the same data and every comment of the tree. */
function keepsComments(out: string, tree: Branches): boolean {
  const back = storeLoad(enc.encode(out));
  return !(back instanceof Error) && sameTree(dataOf(back), dataOf(tree)) && commentTexts(back).join('\n') === commentTexts(tree).join('\n');
}

/**
 * A comment inside an empty mapping or list (`a: {} # c`): yaml.v3 writes it inside the braces or after the
 * brackets, where go-yaml reads it back elsewhere; the bytes are sops's own (checked above), the data is kept.
 */
function emptyWithComment(v: unknown): boolean {
  if (v instanceof Mapping) {
    if (v.items.length > 0 && v.items.every((it) => it.key instanceof Comment)) return true;
    return v.items.some((it) => emptyWithComment(it.value));
  }
  if (Array.isArray(v)) return (v.length > 0 && v.every((x) => x instanceof Comment)) || v.some(emptyWithComment);
  return false;
}

function hasComment(v: unknown): boolean {
  if (v instanceof Comment) return true;
  if (v instanceof Mapping) return v.items.some((it) => hasComment(it.key) || hasComment(it.value));
  return Array.isArray(v) && v.some(hasComment);
}

/**
 * Line comments of several lines before a value yaml.v3 writes as a block scalar (text with a line break, long
 * bytes): sops writes the later lines at the text's indent, where they read back as text; we quote the value.
 */
function commentIntoBlock(v: unknown): boolean {
  const block = (x: unknown): boolean => (typeof x === 'string' && x.includes('\n')) || (x instanceof Uint8Array && x.length >= 52);
  const lines = (c: Comment): number => c.text.split(/\r\n|[\n\r\u0085\u2028\u2029]/).length;
  let inline = 0;
  const entry = (c: Comment | undefined, x: unknown): boolean => {
    if (c) {
      if (c.inline) inline += lines(c);
      return false;
    }
    const hit = (inline > 1 && block(x)) || commentIntoBlock(x);
    inline = 0;
    return hit;
  };
  if (v instanceof Mapping) return v.items.some((it) => entry(it.key instanceof Comment ? it.key : undefined, it.value));
  if (Array.isArray(v)) return v.some((x) => entry(x instanceof Comment ? x : undefined, x));
  return false;
}

function deliberate(v: unknown): boolean {
  if (v instanceof Mapping) return v.items.some((it) => deliberate(it.key) || deliberate(it.value));
  if (Array.isArray(v)) return v.some(deliberate);
  // Bytes that are UTF-8 text: sops writes the text, we keep `!!binary`. Other bytes: both write `!!binary`.
  if (v instanceof Uint8Array) return utf8(v);
  if (v instanceof Comment) return /[\u0085\u2028\u2029]/.test(v.text);
  if (typeof v === 'string') return v === '<<' || /[\u0085\u2028\u2029]/.test(v) || (v.includes('\n') && /^[\n ]/.test(v));
  return false;
}

/** The tree without comments: what a deploy sees. (Where a comment attaches can move on a round trip, in sops too.) */
function dataOf(v: unknown): unknown {
  if (v instanceof Mapping) return new Mapping(v.items.filter((it) => !(it.key instanceof Comment)).map((it) => ({ key: it.key, value: dataOf(it.value) as Value })));
  if (Array.isArray(v)) return v.filter((x) => !(x instanceof Comment)).map(dataOf);
  return v;
}

function commentTexts(v: unknown, out: string[] = []): string[] {
  if (v instanceof Comment) out.push(v.text);
  else if (v instanceof Mapping) for (const it of v.items) {
    commentTexts(it.key, out);
    commentTexts(it.value, out);
  }
  else if (Array.isArray(v)) for (const x of v) commentTexts(x, out);
  return out;
}

function firstDiff(a: unknown, b: unknown): string {
  try {
    assert.deepStrictEqual(norm(a), norm(b));
    return '';
  } catch (e) {
    return (e as Error).message.replace(/\s+/g, ' ').slice(0, 400);
  }
}

function sameTree(a: unknown, b: unknown): boolean {
  try {
    assert.deepStrictEqual(norm(a), norm(b));
    return true;
  } catch {
    return false;
  }
}

/** NaN-safe structural form of a tree for comparison. */
function norm(v: unknown): unknown {
  if (v instanceof Mapping) return { m: v.items.map((it) => [norm(it.key), norm(it.value)]) };
  if (Array.isArray(v)) return v.map(norm);
  if (typeof v === 'number' && Number.isNaN(v)) return 'NaN';
  // yaml.v3 (and so sops) writes the float 1000 as `1000`, which reads back as an int: the same number.
  if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 2 ** 53) return `${v}n`;
  if (typeof v === 'bigint') return `${v}n`;
  return v;
}
