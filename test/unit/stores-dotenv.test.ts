// The dotenv store as sops reads it (split on \n only, first `=`, no trimming, \n escapes) and writes it, with
// the metadata flattened into sops_ keys and back; plus round-trip properties on random flat files.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ExitCode, SopsError } from '../../src/errors.js';
import { metadataKeyOf } from '../../src/sops/store.js';
import { DotenvStore } from '../../src/sops/stores/dotenv.js';
import { Comment, Mapping, SopsTime, isComment, isMapping, type Value } from '../../src/sops/tree.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => Buffer.from(b).toString('utf8');
const store = new DotenvStore();
const META = metadataKeyOf('dotenv');
const map = (...kv: [string | Comment, Value][]) => new Mapping(kv.map(([key, value]) => ({ key, value })));

function view(v: Value): unknown {
  if (isMapping(v)) return v.items.map((it) => [isComment(it.key) ? `#${it.key.text}` : it.key, view(it.value)]);
  if (Array.isArray(v)) return v.map(view);
  return v;
}

function throwsSops(fn: () => unknown, code: number, secret?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SopsError, String(e));
    assert.equal(e.code, code);
    if (secret) assert.ok(!e.message.includes(secret), `message leaks the value: ${e.message}`);
    return true;
  });
}

describe('dotenv store: reading', () => {
  it('keeps keys and values untrimmed, splits at the first =, drops empty lines, keeps \\r, turns \\n into newlines', () => {
    const m = store.loadPlain(enc('A=1\n#c\n\n\nB = x =y\r\nexport C="q"\nD=a\\nb\\\\n\nE=\n=v\n# spaced \n'))[0]!;
    assert.deepEqual(view(m), [
      ['A', '1'],
      ['#c', null],
      ['B ', ' x =y\r'],
      ['export C', '"q"'],
      ['D', 'a\nb\\\n'],
      ['E', ''],
      ['', 'v'],
      ['# spaced ', null],
    ]);
  });

  it('refuses a line without = (exit 2) without quoting it', () => {
    throwsSops(() => store.loadPlain(enc('A=1\nhunter2\n')), ExitCode.CouldNotReadInputFile, 'hunter2');
    throwsSops(() => store.loadPlain(enc('A=1\r\n\r\n')), ExitCode.CouldNotReadInputFile);
  });

  it('carries values that are not UTF-8 as their raw bytes, both ways, as sops does; keys and comments must be text', () => {
    const raw = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => Buffer.from(p as string)));
    const bytes = raw('A=1\nB=caf', [0xe9], '\\nx', [0xff, 0xfe], '\nC=', [0xf0, 0x9f, 0x98], '\n');
    const m = store.loadPlain(bytes)[0]!;
    assert.equal(m.get('A'), '1');
    assert.deepEqual(m.get('B'), Uint8Array.from(raw('caf', [0xe9], '\nx', [0xff, 0xfe])));
    assert.deepEqual(m.get('C'), Uint8Array.from([0xf0, 0x9f, 0x98]));
    assert.deepEqual(Buffer.from(store.emitPlain([m])), bytes);
    assert.deepEqual(Buffer.from(store.emitValue(m.get('C'))), Buffer.from([0xf0, 0x9f, 0x98]));
    assert.deepEqual((store.loadEncrypted(bytes)[0]!.get('B') as Uint8Array).length, 8);
    assert.equal(store.loadPlain(enc('A=café 😀\n'))[0]!.get('A'), 'café 😀');
    assert.throws(() => store.loadPlain(raw('A=1\nB', [0xe9], '=v\n')), { message: 'could not unmarshal input data: invalid UTF-8 in a key (line 2)', code: ExitCode.CouldNotReadInputFile });
    assert.throws(() => store.loadPlain(raw('#c', [0xe9], '\n')), { message: 'could not unmarshal input data: invalid UTF-8 in a comment (line 1)' });
  });

  it('reads sops_ keys in a plain file like any other: the engine asks the writing store whether they may be encrypted', () => {
    assert.deepEqual(view(store.loadPlain(enc('A=1\nsops_version=3.13.2\nsops=1\nSOPS_x=2\n'))[0]!), [
      ['A', '1'],
      ['sops_version', '3.13.2'],
      ['sops', '1'],
      ['SOPS_x', '2'],
    ]);
  });

  it('keeps a variable named sops as data beside the sops_ metadata, both ways (only sops_* keys are metadata)', () => {
    const m = store.loadEncrypted(enc('sops=data\nA=1\nsops_version=3.13.2\n'))[0]!;
    assert.deepEqual(view(m), [
      ['sops', 'data'],
      ['A', '1'],
      [META, [['version', '3.13.2']]],
    ]);
    assert.equal(dec(store.emitEncrypted([m])), 'sops=data\nA=1\nsops_version=3.13.2\n');
    assert.equal(dec(store.emitPlain([map(['sops', 'x'])])), 'sops=x\n');
  });

  it('loadEncrypted moves sops_* keys into a nested, sorted sops mapping of strings', () => {
    const m = store.loadEncrypted(
      enc(
        'x=1\nsops_version=3.13.2\n#c\nsops_pgp__list_1__map_fp=B\nsops_pgp__list_0__map_fp=A\n' +
          'sops_pgp__list_0__map_enc=-----BEGIN\\n\\nbody\\n-----END\nsops_shamir_threshold=2\ny=2\n',
      ),
    )[0]!;
    assert.deepEqual(view(m), [
      ['x', '1'],
      ['#c', null],
      ['y', '2'],
      [
        META,
        [
          [
            'pgp',
            [
              [
                ['enc', '-----BEGIN\n\nbody\n-----END'],
                ['fp', 'A'],
              ],
              [['fp', 'B']],
            ],
          ],
          ['shamir_threshold', '2'],
          ['version', '3.13.2'],
        ],
      ],
    ]);
    assert.equal(store.loadEncrypted(enc('a=b\n'))[0]!.has(META), false);
  });

  it('loadEncrypted refuses metadata that cannot be unflattened', () => {
    throwsSops(() => store.loadEncrypted(enc('sops_a=1\nsops_a__map_b=2\n')), ExitCode.CouldNotReadInputFile);
    throwsSops(() => store.loadEncrypted(enc('sops_l__list_1=x\n')), ExitCode.CouldNotReadInputFile);
    throwsSops(() => store.loadEncrypted(enc('sops_a=1\nsops_a=2\n')), ExitCode.CouldNotReadInputFile);
  });
});

describe('dotenv store: writing', () => {
  it('writes KEY=value lines, #comments, and newlines as \\n', () => {
    const m = map([new Comment(' note'), null], ['A', 'x\ny'], ['B ', ' v '], ['C', '']);
    assert.equal(dec(store.emitPlain([m])), '# note\nA=x\\ny\nB = v \nC=\n');
  });

  it('writes non-string leaves with Go formatting (stores.ValToString)', () => {
    const m = map(
      ['i', -42n],
      ['f', 7],
      ['g', 0.5],
      ['h', 1e21],
      ['j', 123456],
      ['k', 1e-7],
      ['b', true],
      ['n', null],
      ['t', new SopsTime('2024-01-02T03:04:05.123+02:00')],
      ['u', enc('raw\nbytes')],
    );
    assert.equal(
      dec(store.emitPlain([m])),
      'i=-42\nf=7.0\ng=0.5\nh=1E+21\nj=123456.0\nk=1E-07\nb=true\nn=<nil>\nt=2024-01-02T03:04:05+02:00\nu=raw\\nbytes\n',
    );
  });

  it('refuses nested values (exit 4)', () => {
    throwsSops(() => store.emitPlain([map(['a', map(['b', 'c'])])]), ExitCode.ErrorDumpingTree);
    throwsSops(() => store.emitPlain([map(['a', ['x']])]), ExitCode.ErrorDumpingTree);
  });

  it('emitEncrypted flattens the metadata depth-first in sorted order, list indexes in numeric order', () => {
    const pgp = Array.from({ length: 11 }, (_, i) => map(['fp', `F${i}`], ['enc', `line1\nline${i}`]));
    const meta = map(['version', '3.13.2'], ['pgp', pgp], ['mac_only_encrypted', true], ['shamir_threshold', 2n], ['lastmodified', '2024-01-01T00:00:00Z']);
    const out = dec(store.emitEncrypted([map([META, meta], ['A', 'a'], [new Comment('c'), null])]));
    const lines = out.split('\n');
    assert.deepEqual(lines.slice(0, 5), ['A=a', '#c', 'sops_lastmodified=2024-01-01T00:00:00Z', 'sops_mac_only_encrypted=true', 'sops_pgp__list_0__map_enc=line1\\nline0']);
    const pgpKeys = lines.filter((l) => l.startsWith('sops_pgp')).map((l) => l.slice(0, l.indexOf('=')));
    assert.deepEqual(pgpKeys.slice(0, 2), ['sops_pgp__list_0__map_enc', 'sops_pgp__list_0__map_fp']);
    assert.deepEqual(pgpKeys.slice(20), ['sops_pgp__list_10__map_enc', 'sops_pgp__list_10__map_fp']);
    assert.deepEqual(lines.slice(-3), ['sops_shamir_threshold=2', 'sops_version=3.13.2', '']);
    const back = store.loadEncrypted(enc(out))[0]!;
    assert.equal(((back.get(META) as Mapping).get('pgp') as Mapping[])[10]!.get('enc'), 'line1\nline10');
  });

  it('refuses data keys with the reserved sops_ prefix when writing metadata (exit 4)', () => {
    throwsSops(() => store.emitEncrypted([map(['sops_x', '1'], [META, map(['version', '1'])])]), ExitCode.ErrorDumpingTree);
  });

  it('emitValue writes strings raw and refuses anything else', () => {
    assert.equal(dec(store.emitValue('a\nb')), 'a\nb');
    throwsSops(() => store.emitValue(map(['a', 'b'])), ExitCode.ErrorDumpingTree);
  });
});

// Values the format can carry: no literal backslash-n (it reads back as a newline), any other text.
const value = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', '=', '#', '\n', '\r', '\\', 'é', '😀', '"', "'"), maxLength: 10 }).filter((v) => !v.includes('\\n'));
const key = fc
  .string({ unit: fc.constantFrom('a', 'Z', '_', ' ', '.', '#', 'é', '-', 's', 'o', 'p'), maxLength: 8 })
  .filter((k) => !k.startsWith('#') && !k.startsWith('sops_'));
const item = fc.oneof(
  fc.tuple(key, value).map(([k, v]) => ({ key: k as string | Comment, value: v as Value })),
  fc.string({ maxLength: 10 }).filter((c) => !c.includes('\n')).map((c) => ({ key: new Comment(c) as string | Comment, value: null as Value })),
);
const flatFile = fc.array(item, { maxLength: 8 }).map((items) => new Mapping(items));

const metaKey = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '_', 'x', 'Z'), minLength: 1, maxLength: 5 }).filter((k) => !k.includes('__'));
const { meta: metaTree } = fc.letrec<{ meta: Mapping; v: Value }>((tie) => ({
  meta: fc.uniqueArray(fc.tuple(metaKey, tie('v')), { selector: ([k]) => k, minLength: 1, maxLength: 4 }).map(
    (kv) => new Mapping(kv.map(([k, v]) => ({ key: k, value: v }))),
  ),
  v: fc.oneof({ depthSize: 'small' }, value, tie('meta'), fc.array(tie('v'), { minLength: 1, maxLength: 3 })),
}));

/** What unflatten gives back: every mapping sorted by key. */
function sorted(v: Value): unknown {
  if (isMapping(v)) return [...v.items].sort((a, b) => (String(a.key) < String(b.key) ? -1 : 1)).map((it) => [it.key, sorted(it.value)]);
  if (Array.isArray(v)) return v.map(sorted);
  return v;
}

describe('dotenv store: round-trip properties', () => {
  it('loadPlain(emitPlain(file)) gives the same items', () => {
    fc.assert(
      fc.property(flatFile, (m) => {
        assert.deepEqual(view(store.loadPlain(store.emitPlain([m]))[0]!), view(m));
      }),
      { numRuns: 300 },
    );
  });

  it('loadEncrypted(emitEncrypted(file + metadata)) gives the data and the metadata back (mappings sorted)', () => {
    fc.assert(
      fc.property(flatFile, metaTree, (m, meta) => {
        const back = store.loadEncrypted(store.emitEncrypted([new Mapping([...m.items, { key: META, value: meta }])]))[0]!;
        assert.deepEqual(view(new Mapping(back.items.filter((it) => it.key !== META))), view(m));
        assert.deepEqual(sorted(back.get(META)!), sorted(meta));
      }),
      { numRuns: 300 },
    );
  });
});
