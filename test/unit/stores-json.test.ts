// The JSON store against Go's encoding/json facts: order and duplicates kept, int64 precision, HTML-safe
// escaping, float spelling, json.Indent layout; plus round-trip properties on random trees.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ExitCode, SopsError } from '../../src/errors.js';
import { JsonStore } from '../../src/sops/stores/json.js';
import { Comment, Mapping, SopsTime, isMapping, type Value } from '../../src/sops/tree.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => Buffer.from(b).toString('utf8');
const load = (s: string | Uint8Array) => new JsonStore().loadPlain(typeof s === 'string' ? enc(s) : s)[0]!;
const emit = (m: Mapping, indent?: number) => dec(new JsonStore({ indent }).emitPlain([m]));
const map = (...kv: [string | Comment, Value][]) => new Mapping(kv.map(([key, value]) => ({ key, value })));

function throwsSops(fn: () => unknown, code: number, secret?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SopsError, String(e));
    assert.equal(e.code, code);
    if (secret) assert.ok(!e.message.includes(secret), `message leaks the value: ${e.message}`);
    return true;
  });
}

describe('JSON store: reading', () => {
  it('keeps key order and duplicate keys as separate items', () => {
    const m = load('{"b": 1, "a": 2, "b": 3}');
    assert.deepEqual(
      m.items.map((it) => [it.key, it.value]),
      [
        ['b', 1n],
        ['a', 2n],
        ['b', 3n],
      ],
    );
  });

  it('reads integers in int64 range as bigint and every other number as a float, like sops 3.13.2', () => {
    const m = load('{"a": 9223372036854775807, "b": -9223372036854775808, "c": 9223372036854775808, "d": 1.0, "e": 1e3, "f": -0, "g": -0.0, "h": 12345678901234567}');
    assert.equal(m.get('a'), 9223372036854775807n);
    assert.equal(m.get('b'), -9223372036854775808n);
    assert.equal(m.get('c'), 9223372036854775808);
    assert.equal(typeof m.get('c'), 'number');
    assert.equal(m.get('d'), 1);
    assert.equal(typeof m.get('d'), 'number');
    assert.equal(m.get('e'), 1000);
    assert.equal(m.get('f'), 0n);
    assert.ok(Object.is(m.get('g'), -0));
    assert.equal(m.get('h'), 12345678901234567n);
  });

  it('reads booleans, null, nested objects and arrays, and empty containers', () => {
    const m = load(' \r\n\t{"t": true, "f": false, "n": null, "o": {}, "l": [], "x": [[1], {"y": "z"}]}');
    assert.equal(m.get('t'), true);
    assert.equal(m.get('f'), false);
    assert.equal(m.get('n'), null);
    assert.ok(isMapping(m.get('o')) && (m.get('o') as Mapping).items.length === 0);
    assert.deepEqual(m.get('l'), []);
    const x = m.get('x') as Value[];
    assert.deepEqual(x[0], [1n]);
    assert.equal((x[1] as Mapping).get('y'), 'z');
  });

  it('decodes string escapes as Go does: pairs joined, lone surrogates and invalid UTF-8 become U+FFFD', () => {
    const m = load('{"a": "q\\"b\\\\s\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00", "b": "\\ud800x", "c": "\\udc00"}');
    assert.equal(m.get('a'), 'q"b\\s/\b\f\n\r\té😀');
    assert.equal(m.get('b'), '\ufffdx');
    assert.equal(m.get('c'), '\ufffd');
    const bad = new Uint8Array([...enc('{"k": "a'), 0xff, 0xe2, 0x82, ...enc('b"}')]);
    assert.equal(load(bad).get('k'), 'a\ufffd\ufffd\ufffdb');
  });

  it('ignores whatever follows the top-level object, as sops does', () => {
    assert.equal(load('{"a": "b"} trailing').get('a'), 'b');
  });

  it('refuses a top-level array or scalar, and broken JSON, with exit 2 and without quoting values', () => {
    throwsSops(() => load('["x"]'), ExitCode.CouldNotReadInputFile);
    throwsSops(() => load('"hunter2"'), ExitCode.CouldNotReadInputFile, 'hunter2');
    throwsSops(() => load(''), ExitCode.CouldNotReadInputFile);
    throwsSops(() => load('{"a": hunter2}'), ExitCode.CouldNotReadInputFile, 'hunter2');
    throwsSops(() => load('{"a": "hunter2"'), ExitCode.CouldNotReadInputFile, 'hunter2');
    throwsSops(() => load('{"a": "x\ny"}'), ExitCode.CouldNotReadInputFile);
    throwsSops(() => load('{"a": 01}'), ExitCode.CouldNotReadInputFile);
    throwsSops(() => load('{"a": 1.}'), ExitCode.CouldNotReadInputFile);
    throwsSops(() => load('{"a": 1e400}'), ExitCode.CouldNotReadInputFile);
    throwsSops(() => load('{"a": 1,}'), ExitCode.CouldNotReadInputFile);
    throwsSops(() => load('\ufeff{"a": 1}'), ExitCode.CouldNotReadInputFile);
  });

  it('loadEncrypted refuses two sops entries or a sops entry that is not an object', () => {
    const s = new JsonStore();
    throwsSops(() => s.loadEncrypted(enc('{"sops": {}, "sops": {}}')), ExitCode.CouldNotReadInputFile);
    throwsSops(() => s.loadEncrypted(enc('{"sops": "x"}')), ExitCode.CouldNotReadInputFile);
    assert.ok(isMapping(s.loadEncrypted(enc('{"a": 1, "sops": {"version": "3.13.2"}}'))[0]!.get('sops')));
  });
});

describe('JSON store: writing like Go json.Marshal + json.Indent', () => {
  it('indents with one tab by default, N spaces on request, and still one element per line for 0', () => {
    const m = map(['a', map(['b', [1n, 'x']])], ['c', true]);
    assert.equal(emit(m), '{\n\t"a": {\n\t\t"b": [\n\t\t\t1,\n\t\t\t"x"\n\t\t]\n\t},\n\t"c": true\n}\n');
    assert.equal(emit(m, 2), '{\n  "a": {\n    "b": [\n      1,\n      "x"\n    ]\n  },\n  "c": true\n}\n');
    assert.equal(emit(m, 0), '{\n"a": {\n"b": [\n1,\n"x"\n]\n},\n"c": true\n}\n');
    assert.throws(() => new JsonStore({ indent: -2 }), SopsError);
  });

  it('writes {} and [] for empty containers, including an empty top level and a list of comments only', () => {
    assert.equal(emit(map()), '{}\n');
    assert.equal(emit(map(['o', map()], ['l', []], ['c', [new Comment('x')]])), '{\n\t"o": {},\n\t"l": [],\n\t"c": []\n}\n');
  });

  it('drops comments, which JSON cannot hold', () => {
    assert.equal(emit(map([new Comment(' hi'), null], ['a', [new Comment('c'), 'v']])), '{\n\t"a": [\n\t\t"v"\n\t]\n}\n');
  });

  it('escapes strings exactly as Go does (HTML-safe, \\b \\f, \\u2028, lowercase hex, DEL and non-ASCII raw)', () => {
    const s = '<a href="x">&</a>\\\u0000\u0001\u001f\b\f\n\r\t\u007f é 😀 \u2028\u2029 \ufffd';
    assert.equal(
      emit(map(['k<&>', s])),
      '{\n\t"k\\u003c\\u0026\\u003e": "\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e\\\\\\u0000\\u0001\\u001f\\b\\f\\n\\r\\t\u007f é 😀 \\u2028\\u2029 \ufffd"\n}\n',
    );
  });

  it('writes invalid UTF-8 in byte leaves (and lone surrogates) as \\ufffd escapes, valid bytes as text', () => {
    const bytes = new Uint8Array([0x61, 0xff, 0xe2, 0x82, 0xac, 0xc3, 0x28]);
    assert.equal(emit(map(['b', bytes], ['s', 'x\ud800y'])), '{\n\t"b": "a\\ufffd€\\ufffd(",\n\t"s": "x\\ufffdy"\n}\n');
  });

  it('spells numbers like Go: ints in full, floats shortest with exponents below 1e-6 and from 1e21', () => {
    const m = map(
      ['i', 9223372036854775807n],
      ['a', 7],
      ['b', 0.1],
      ['c', 1e21],
      ['d', 1e20],
      ['e', 0.000001],
      ['f', 1e-7],
      ['g', -0],
      ['h', 1.5e300],
      ['j', -2.5e-10],
    );
    assert.equal(
      emit(m, 0),
      '{\n"i": 9223372036854775807,\n"a": 7,\n"b": 0.1,\n"c": 1e+21,\n"d": 100000000000000000000,\n"e": 0.000001,\n"f": 1e-7,\n"g": -0,\n"h": 1.5e+300,\n"j": -2.5e-10\n}\n',
    );
  });

  it('refuses NaN and infinities with exit 4', () => {
    throwsSops(() => emit(map(['x', NaN])), ExitCode.ErrorDumpingTree);
    throwsSops(() => emit(map(['x', -Infinity])), ExitCode.ErrorDumpingTree);
  });

  it('writes times as their RFC3339 text, null as null', () => {
    assert.equal(emit(map(['t', new SopsTime('2024-01-02T03:04:05.5Z')], ['n', null])), '{\n\t"t": "2024-01-02T03:04:05.5Z",\n\t"n": null\n}\n');
  });

  it('emitEncrypted puts the sops object last; emitValue writes one value without a trailing newline', () => {
    const s = new JsonStore();
    const m = map(['sops', map(['version', '3.13.2'])], ['a', 'b']);
    assert.equal(dec(s.emitEncrypted([m])), '{\n\t"a": "b",\n\t"sops": {\n\t\t"version": "3.13.2"\n\t}\n}\n');
    assert.equal(dec(s.emitValue(map(['x', [1n]]))), '{\n\t"x": [\n\t\t1\n\t]\n}');
    assert.equal(dec(s.emitValue('a<b')), '"a\\u003cb"');
    assert.equal(dec(s.emitValue(2.5)), '2.5');
  });
});

/** Trees the JSON store can hold: strings, int64 bigints, non-integral floats, booleans, null, lists, objects. */
const jsonScalar: fc.Arbitrary<Value> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: fc.constantFrom('<', '>', '&', '"', '\\', '\n', '\u2028', '\u0000', '\u007f', 'a', 'é'), maxLength: 6 }),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)),
  fc.boolean(),
  fc.constant(null),
);
const { tree: jsonTree } = fc.letrec<{ tree: Mapping; value: Value }>((tie) => ({
  tree: fc
    .array(fc.tuple(fc.string({ unit: 'binary', maxLength: 8 }), tie('value')), { maxLength: 5 })
    .map((kv) => new Mapping(kv.map(([key, value]) => ({ key, value })))),
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, jsonScalar, tie('tree'), fc.array(tie('value'), { maxLength: 4 })),
}));

function viewOf(v: Value): unknown {
  if (isMapping(v)) return v.items.map((it) => [it.key, viewOf(it.value)]);
  if (Array.isArray(v)) return v.map(viewOf);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : v;
  return v;
}

describe('JSON store: round-trip properties', () => {
  it('load(emit(tree)) gives the same tree, for tab and space indents', () => {
    fc.assert(
      fc.property(jsonTree, fc.constantFrom(undefined, 0, 2, 4), (tree, indent) => {
        const s = new JsonStore({ indent });
        const back = s.loadPlain(s.emitPlain([tree]))[0]!;
        assert.deepEqual(viewOf(back), viewOf(tree));
      }),
      { numRuns: 300 },
    );
  });

  it('emit is stable: emit(load(emit(tree))) equals emit(tree), and JSON.parse agrees on the structure', () => {
    fc.assert(
      fc.property(jsonTree, (tree) => {
        const s = new JsonStore();
        const once = s.emitPlain([tree]);
        assert.deepEqual(s.emitPlain(s.loadPlain(once)), once);
        assert.equal(typeof JSON.parse(dec(once)), 'object');
      }),
      { numRuns: 200 },
    );
  });
});
