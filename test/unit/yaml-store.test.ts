// The YAML store against real sops files (byte-exact round trips, comment AADs) and yaml.v3's resolver.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { YamlStore } from '../../src/sops/stores/yaml.js';
import { Comment, Mapping, SopsTime, type Value } from '../../src/sops/tree.js';
import { HS_VECTORS, SOPS_VECTORS } from '../helpers/paths.js';

const store = new YamlStore();
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const HS = join(HS_VECTORS, 'tests/assets/values/sops');

/** Written by sops 3.x with yaml.v3 at indent 4: must re-emit byte for byte. */
const EXACT = [
  join(SOPS_VECTORS, 'example.yaml'),
  join(SOPS_VECTORS, 'functional-tests/res/format.enc.yaml'),
  join(SOPS_VECTORS, 'functional-tests/res/plainfile.yaml'),
  join(HS, 'files/file.yaml'),
  join(HS, 'secrets.age.yaml'),
  join(HS, 'secrets.gpg_key.yaml'),
  join(HS, 'secrets.trailing-newline.yaml'),
  join(HS, 'some-secrets.yaml'),
  join(HS, 'some-secrets.windows.yaml'),
  join(HS, 'secrets.empty.yaml'),
];
/** Exempt from byte equality, with the reason; these must re-parse to the same tree. */
const EXEMPT: [string, string][] = [
  [join(SOPS_VECTORS, 'functional-tests/res/comments.enc.yaml'), 'sops 3.6 yaml.v2-era style (-   x, single quotes)'],
  [join(SOPS_VECTORS, 'functional-tests/res/comments_unencrypted_comments.yaml'), 'sops 3.3 style (-   x)'],
  [join(SOPS_VECTORS, 'functional-tests/res/multiple_keys.yaml'), 'sops 3.3 style (-   x)'],
  [join(SOPS_VECTORS, 'functional-tests/res/no_mac.yaml'), 'sops 3.3 style (-   x)'],
  [join(SOPS_VECTORS, 'functional-tests/res/comments.yaml'), 'hand-written, no final newline'],
  [join(SOPS_VECTORS, 'functional-tests/res/comments_list.yaml'), 'hand-written, unindented list'],
  [join(SOPS_VECTORS, 'functional-tests/.sops.yaml'), 'hand-written config'],
  [join(SOPS_VECTORS, 'external/humphd-sops-age/.sops.yaml'), 'hand-written config'],
  [join(SOPS_VECTORS, 'external/humphd-sops-age/tests/data/secret.enc.yaml'), 'written with indent 2 (exact at indent 2, tested below)'],
  [join(HS, 'secrets.yaml'), 'sops 3.5 style (-   x)'],
  [join(HS, 'http.secrets.yaml'), 'sops 3.5 style (-   x)'],
  [join(HS, 'secrets.dec.yaml'), 'hand-written, blank lines'],
  [join(HS, 'some-secrets.dec.yaml'), 'hand-written, blank lines'],
  [join(HS, 'values.yaml'), 'hand-written, indent 2'],
  [join(HS, '.sops.yaml'), 'hand-written config'],
];

/** Comment AADs the way sops computes them: the path of the container the comment sits in. */
function commentAads(v: Value, path: string[], out: { aad: string; text: string }[]): void {
  if (v instanceof Mapping) {
    for (const it of v.items) {
      if (it.key instanceof Comment) out.push({ aad: path.join(':') + ':', text: it.key.text });
      else if (it.key !== 'sops' || path.length > 0) commentAads(it.value, [...path, it.key], out);
    }
  } else if (Array.isArray(v)) {
    for (const x of v) {
      if (x instanceof Comment) out.push({ aad: path.join(':') + ':', text: x.text });
      else commentAads(x, path, out);
    }
  }
}

describe('YAML store', () => {
  describe('round trip of real sops files', () => {
    for (const f of EXACT) {
      it(`re-emits ${f.split('/vectors/')[1]} byte for byte`, () => {
        const bytes = readFileSync(f);
        assert.equal(dec(store.emitEncrypted(store.loadEncrypted(bytes))), bytes.toString('utf8'));
      });
    }
    for (const [f, why] of EXEMPT) {
      it(`re-parses ${f.split('/vectors/')[1]} to the same tree (${why})`, () => {
        const t = store.loadEncrypted(readFileSync(f));
        assert.deepEqual(store.loadEncrypted(store.emitEncrypted(t)), t);
      });
    }
    it('re-emits the indent-2 humphd file byte for byte at indent 2', () => {
      const f = join(SOPS_VECTORS, 'external/humphd-sops-age/tests/data/secret.enc.yaml');
      const s2 = new YamlStore({ indent: 2 });
      assert.equal(dec(s2.emitEncrypted(s2.loadEncrypted(readFileSync(f)))), readFileSync(f, 'utf8'));
    });
    it('refuses a document that is a scalar', () => {
      assert.throws(() => store.loadPlain(readFileSync(join(HS, 'secrets.symlink.yaml'))), /line 1: cannot unmarshal !!str `secrets.yaml` into map/);
    });
  });

  describe('comment attachment', () => {
    for (const name of ['example.yaml', 'functional-tests/res/comments.enc.yaml']) {
      it(`gives ${name} the expected comment AADs`, () => {
        const exp = JSON.parse(
          readFileSync(join(SOPS_VECTORS, 'expected', name.replace(/\//g, '__') + '.expected.json'), 'utf8'),
        ) as { comments: { line: string; aad: string }[] };
        const got: { aad: string; text: string }[] = [];
        commentAads(store.loadEncrypted(readFileSync(join(SOPS_VECTORS, name)))[0]!, [], got);
        assert.deepEqual(
          got.map((c) => ({ aad: c.aad, line: '#' + c.text })),
          exp.comments.map((c) => ({ aad: c.aad, line: c.line })),
        );
      });
    }
    it('puts list comments in the list and line comments inline before their entry', () => {
      const t = store.loadPlain(enc('a:\n- x\n#c1\n- y # c2\nb: 1 # c3\n'))[0]!;
      assert.deepEqual(t.get('a'), ['x', new Comment('c1'), new Comment(' c2', true), 'y']);
      assert.deepEqual(t.items[1]!.key, new Comment(' c3', true));
      assert.equal(dec(store.emitPlain([t])), 'a:\n    - x\n    #c1\n    - "y" # c2\nb: 1 # c3\n');
    });
    it('keeps a deeper comment in the nested mapping and a shallower one in the parent', () => {
      const t = store.loadPlain(enc('a:\n    b: 1\n    # in a\n# top\nc: 2\n'))[0]!;
      assert.deepEqual((t.get('a') as Mapping).items[1]!.key, new Comment(' in a'));
      assert.deepEqual(t.items[1]!.key, new Comment(' top'));
    });
  });

  describe('resolver (yaml.v3 rules)', () => {
    const cases: [string, Value][] = [
      ['~', null], ['null', null], ['NULL', null], ['', null],
      ['true', true], ['True', true], ['FALSE', false], ['yes', 'yes'], ['on', 'on'], ['tRue', 'tRue'],
      ['017', 15n], ['1_000', 1000n], ['0x10', 16n], ['0o17', 15n], ['0b101', 5n], ['-0x10', -16n],
      ['9223372036854775807', 9223372036854775807n], ['08', 8], ['1.0', 1], ['1e3', 1000], ['.5', 0.5],
      ['.inf', Infinity], ['-.Inf', -Infinity], ['+.INF', Infinity],
      ['2024-01-01', new SopsTime('2024-01-01T00:00:00Z')],
      ['2001-12-14t21:59:43.10-05:00', new SopsTime('2001-12-14T21:59:43.1-05:00')],
      ['2001-12-14 21:59:43.10', new SopsTime('2001-12-14T21:59:43.1Z')],
      ['2024-02-30', '2024-02-30'], ['1.2.3', '1.2.3'], ['0x', '0x'], ['+', '+'], ['.', '.'],
    ];
    for (const [src, want] of cases) {
      it(`reads ${JSON.stringify(src)}`, () => {
        const v = store.loadPlain(enc(`k: ${src}\n`))[0]!.get('k');
        if (typeof want === 'number' && Number.isNaN(want)) assert.ok(Number.isNaN(v));
        else assert.deepEqual(v, want);
      });
    }
    it('reads .nan, quoted and tagged scalars', () => {
      const t = store.loadPlain(enc('a: .nan\nb: "1"\nc: !!str 1\nd: !foo 2\ne: !!binary aGk=\n'))[0]!;
      assert.ok(Number.isNaN(t.get('a')));
      assert.deepEqual([t.get('b'), t.get('c'), t.get('d')], ['1', '1', '2']);
      assert.deepEqual(t.get('e'), new Uint8Array([104, 105]));
    });
    it('rejects integers beyond int64, duplicate keys and non-string keys', () => {
      assert.throws(() => store.loadPlain(enc('a: 18446744073709551615\n')));
      assert.throws(() => store.loadPlain(enc('a: 1\na: 2\n')), /already defined/);
      assert.throws(() => store.loadPlain(enc('1: x\n')), /non-string key/);
    });
    it('quotes strings that would resolve to another type', () => {
      const m = new Mapping(['2024-01-01', '1.0', '0x10', 'true', '~', '', 'yes', '1:20'].map((s, i) => ({ key: 'k' + i, value: s })));
      assert.equal(
        dec(store.emitPlain([m])),
        'k0: "2024-01-01"\nk1: "1.0"\nk2: "0x10"\nk3: "true"\nk4: "~"\nk5: ""\nk6: "yes"\nk7: "1:20"\n',
      );
    });
  });

  describe('structure', () => {
    it('reads and writes multi-document streams', () => {
      const b = store.loadPlain(enc('a: 1\n---\nb: 2\n---\n'));
      assert.equal(b.length, 3);
      assert.equal(b[2]!.items.length, 0);
      assert.equal(dec(store.emitPlain(b.slice(0, 2))), 'a: 1\n---\nb: 2\n');
    });
    it('expands aliases and keeps merge keys literally', () => {
      const t = store.loadPlain(enc('base: &b\n    x: 1\nc:\n    <<: *b\n    y: *b\n'))[0]!;
      const c = t.get('c') as Mapping;
      assert.deepEqual(c.get('<<'), new Mapping([{ key: 'x', value: 1n }]));
      assert.deepEqual(c.get('y'), new Mapping([{ key: 'x', value: 1n }]));
    });
    it('reads block scalars and writes literal blocks with the right chomping', () => {
      const t = store.loadPlain(enc('a: |\n  x\n  y\nb: |-\n  x\nc: >\n  f\n  g\nd: |+\n  k\n\n'))[0]!;
      assert.deepEqual(t.items.map((i) => i.value), ['x\ny\n', 'x', 'f g\n', 'k\n\n']);
      assert.equal(dec(store.emitPlain([t])), 'a: |\n    x\n    y\nb: x\nc: |\n    f g\nd: |+\n    k\n\n');
    });
    it('reads UTF-16 input with a byte order mark, as go-yaml does', () => {
      const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a: 1\nb: é\n', 'utf16le')]);
      const be = Buffer.from(le.subarray(2)).swap16();
      const want = new Mapping([{ key: 'a', value: 1n }, { key: 'b', value: 'é' }]);
      assert.deepEqual(store.loadPlain(le)[0], want);
      assert.deepEqual(store.loadPlain(Buffer.concat([Buffer.from([0xfe, 0xff]), be]))[0], want);
    });
    it('reads CRLF input', () => {
      assert.deepEqual(store.loadPlain(enc('a:\r\n  b: "x"\r\n'))[0], new Mapping([{ key: 'a', value: new Mapping([{ key: 'b', value: 'x' }]) }]));
    });
    it('writes empty collections, null, floats and times as yaml.v3 does', () => {
      const m = new Mapping([
        { key: 'm', value: new Mapping() }, { key: 'l', value: [] }, { key: 'n', value: null },
        { key: 'f', value: 1.5 }, { key: 'i', value: Infinity }, { key: 'g', value: 1e21 },
        { key: 't', value: new SopsTime('2024-01-01T00:00:00Z') }, { key: 'big', value: 9007199254740993n },
      ]);
      assert.equal(dec(store.emitPlain([m])), 'm: {}\nl: []\n"n": null\nf: 1.5\ni: .inf\ng: 1e+21\nt: 2024-01-01T00:00:00Z\nbig: 9007199254740993\n');
    });
    it('writes long plain strings on one line, as yaml.v3 does (it sets no line width)', () => {
      const s = Array.from({ length: 30 }, (_, i) => 'word' + i).join(' ');
      const out = dec(store.emitPlain([new Mapping([{ key: 'k', value: s }])]));
      assert.equal(out, `k: ${s}\n`);
      assert.equal(store.loadPlain(enc(out))[0]!.get('k'), s);
    });
  });

  it('emits files larger than its 64 KiB write pieces byte for byte (one and several documents, multi-byte text)', () => {
    const doc = (d: number) => Array.from({ length: 6000 }, (_, i) => `k${d}_${i}: café-${i} €\n`).join('');
    for (const text of [doc(0), `${doc(0)}---\n${doc(1)}---\n${doc(2)}`, `${doc(0)}---\n{}\n`]) {
      const bytes = enc(text);
      assert.ok(bytes.length > 2 * 65536);
      const out = store.emitPlain(store.loadPlain(bytes));
      assert.equal(Object.getPrototypeOf(out), Uint8Array.prototype);
      assert.equal(dec(out), text);
    }
  });

  it('refuses invalid UTF-8 with its byte offset and line instead of replacing it (go-yaml refuses it too)', () => {
    for (const [bytes, at, line] of [
      [Uint8Array.from([...enc('a: ok\nb: caf'), 0xe9, ...enc('\n')]), 12, 2],
      [Uint8Array.from([...enc('x: '), 0xff]), 3, 1],
      [Uint8Array.from([...enc('# '), 0xed, 0xa0, 0x80, ...enc('\nx: 1\n')]), 2, 1],
      [Uint8Array.from([...enc('x: '), 0xc3]), 3, 1],
    ] as const) {
      assert.throws(() => store.loadPlain(bytes), { message: `Error unmarshaling input YAML: invalid UTF-8 at byte ${at} (line ${line})` });
      assert.throws(() => store.loadEncrypted(bytes), /invalid UTF-8/);
    }
    // Valid multi-byte text and a BOM still load.
    const ok = store.loadPlain(Uint8Array.from([0xef, 0xbb, 0xbf, ...enc('k: café 🔑\n')]));
    assert.equal((ok[0] as Mapping).get('k'), 'café 🔑');
  });

  it('property: random trees survive emitPlain -> loadPlain', () => {
    const str = fc.oneof(
      fc.constantFrom('yes', '1.0', '0x10', '2024-01-01', '~', '', 'a: b', ' lead', 'trail ', 'x\ny', 'x\n', '#c', '- x', "it's", 'tab\there', 'é ü'),
      fc.string({ maxLength: 12 }),
    );
    const key = fc.oneof(fc.constantFrom('a:b', 'with space', 'k', '- k', '"q"'), fc.string({ minLength: 1, maxLength: 8 }));
    const leaf = fc.oneof(str, fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.boolean(), fc.constant(null), fc.double({ noNaN: true }).filter((d) => !Number.isInteger(d)));
    const tree = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, tie('map'), fc.array(tie('node'), { maxLength: 3 })),
      map: fc.uniqueArray(fc.tuple(key, tie('node')), { selector: (t) => t[0], maxLength: 4 }).map(
        (es) => new Mapping(es.map(([k, v]) => ({ key: k as string, value: v as Value }))),
      ),
    }));
    fc.assert(
      fc.property(tree.map as fc.Arbitrary<Mapping>, (m) => {
        const back = store.loadPlain(store.emitPlain([m as Mapping]));
        assert.deepEqual(back[0], m);
      }),
      { numRuns: 300 },
    );
  });
});
