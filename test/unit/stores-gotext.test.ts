// Go text rules the flat stores depend on: utf8.DecodeRune's one-U+FFFD-per-bad-byte, unicode.IsSpace trimming,
// stores.ValToString, and sops's metadata (un)flattening with its tokenizer quirks.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SopsError } from '../../src/errors.js';
import { flatten, unflatten } from '../../src/sops/stores/flatten.js';
import { goCompare, goDecode, goTrimSpace, valToString } from '../../src/sops/stores/gotext.js';
import { Comment, Mapping, SopsTime, isMapping, type Value } from '../../src/sops/tree.js';

const F = '\ufffd';

describe('Go text helpers', () => {
  it('goDecode replaces each byte that starts no valid sequence by U+FFFD, like utf8.DecodeRune', () => {
    const cases: [number[], string][] = [
      [[0x41, 0xe2, 0x82, 0x41], `A${F}${F}A`], // truncated sequence: one per byte (WHATWG would give one)
      [[0xc0, 0x80], F + F], // overlong
      [[0xed, 0xa0, 0x80], F + F + F], // encoded surrogate
      [[0xf4, 0x90, 0x80, 0x80], F + F + F + F], // above U+10FFFF
      [[0xf0, 0x9f, 0x98, 0x80, 0xe2, 0x82], `😀${F}${F}`],
      [[0xef, 0xbb, 0xbf, 0x61], '\ufeffa'], // a BOM is kept as a character
    ];
    for (const [bytes, want] of cases) assert.equal(goDecode(new Uint8Array(bytes)), want, JSON.stringify(bytes));
  });

  it('goDecode is the identity on valid UTF-8', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        assert.equal(goDecode(new TextEncoder().encode(s)), s);
      }),
    );
  });

  it('goTrimSpace trims unicode.IsSpace characters only (NEL yes, BOM no)', () => {
    assert.equal(goTrimSpace('\u0085\u00a0\t x \u3000\u2028'), 'x');
    assert.equal(goTrimSpace('\ufeffx\ufeff'), '\ufeffx\ufeff');
  });

  it('goCompare orders by UTF-8 bytes, unlike JS < for astral vs high-BMP characters', () => {
    assert.ok(goCompare('\uffff', '😀') < 0);
    assert.ok('\uffff' > '😀');
  });

  it('valToString matches Go stores.ValToString', () => {
    const cases: [Value, string][] = [
      [1.5, '1.5'],
      [100, '100.0'],
      [-0, '-0.0'],
      [1e21, '1E+21'],
      [1.5e-7, '1.5E-07'],
      [Infinity, '+Inf'],
      [NaN, 'NaN'],
      [12n, '12'],
      [false, 'false'],
      [null, '<nil>'],
      [new SopsTime('2024-05-06T07:08:09.123456789Z'), '2024-05-06T07:08:09Z'],
      [new Uint8Array([0x68, 0x69]), 'hi'],
    ];
    for (const [v, want] of cases) assert.equal(valToString(v), want);
  });
});

describe('metadata flattening', () => {
  const map = (...kv: [string, Value][]) => new Mapping(kv.map(([key, value]) => ({ key, value })));

  it('flattens maps and lists depth-first with __map_ / __list_, skipping comments', () => {
    const meta = map(['b', [map(['y', '1'], ['x', '2']), new Comment('c'), 'z']], ['a', map(['k', true])]);
    assert.deepEqual(
      flatten(meta, 'p_').map((it) => [it.key, it.value]),
      [
        ['p_a__map_k', true],
        ['p_b__list_0__map_x', '2'],
        ['p_b__list_0__map_y', '1'],
        ['p_b__list_1', 'z'],
      ],
    );
  });

  it('refuses flattened key collisions', () => {
    assert.throws(() => flatten(map(['a__map_b', '1'], ['a', map(['b', '2'])]), ''), SopsError);
  });

  it('unflattens like sops: sorted maps, lists by index, comments ignored, bad index reads as 0', () => {
    const items = [
      { key: 'z__list_1', value: 'b' },
      { key: new Comment('x'), value: null },
      { key: 'z__list_0', value: 'a' },
      { key: 'm__map_q__list_0__map_r', value: 'v' },
      { key: 'n__list_x', value: 'only' },
    ];
    const m = unflatten(items);
    assert.deepEqual(
      m.items.map((it) => it.key),
      ['m', 'n', 'z'],
    );
    assert.deepEqual(m.get('z'), ['a', 'b']);
    assert.deepEqual(m.get('n'), ['only']);
    const q = ((m.get('m') as Mapping).get('q') as Mapping[])[0]!;
    assert.ok(isMapping(q) && q.get('r') === 'v');
  });

  it('flatten then unflatten gives back the tree with sorted mappings', () => {
    const key = fc.string({ unit: fc.constantFrom('a', 'b', '_', 'C'), minLength: 1, maxLength: 4 }).filter((k) => !k.includes('__'));
    const { m } = fc.letrec<{ m: Mapping; v: Value }>((tie) => ({
      m: fc.uniqueArray(fc.tuple(key, tie('v')), { selector: ([k]) => k, minLength: 1, maxLength: 4 }).map((kv) => new Mapping(kv.map(([k, v]) => ({ key: k, value: v })))),
      v: fc.oneof({ depthSize: 'small' }, fc.string(), fc.boolean(), tie('m'), fc.array(tie('v'), { minLength: 1, maxLength: 3 })),
    }));
    const sorted = (v: Value): unknown =>
      isMapping(v) ? [...v.items].sort((a, b) => goCompare(String(a.key), String(b.key))).map((it) => [it.key, sorted(it.value)]) : Array.isArray(v) ? v.map(sorted) : v;
    fc.assert(
      fc.property(m, (tree) => {
        assert.deepEqual(sorted(unflatten(flatten(tree, ''))), sorted(tree));
      }),
    );
  });
});
