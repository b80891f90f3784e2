// The binary store keeps file content as bytes (non-UTF-8 included) and wraps it in the JSON store's envelope;
// getStore picks each store by name and loads the YAML store only when asked.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ExitCode, SopsError } from '../../src/errors.js';
import { BinaryStore } from '../../src/sops/stores/binary.js';
import { getStore } from '../../src/sops/stores/index.js';
import { Mapping, isMapping } from '../../src/sops/tree.js';
import type { StoreName } from '../../src/sops/store.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => Buffer.from(b).toString('utf8');

describe('binary store', () => {
  const store = new BinaryStore();

  it('loads the whole file, invalid UTF-8 and all, as the single bytes leaf data', () => {
    const raw = new Uint8Array([0xff, 0x00, 0x0a, 0xc3, 0x28, 0x61]);
    const [m, ...rest] = store.loadPlain(raw);
    assert.equal(rest.length, 0);
    assert.deepEqual(m!.items.map((it) => it.key), ['data']);
    assert.ok(m!.get('data') instanceof Uint8Array);
    assert.deepEqual(Buffer.from(m!.get('data') as Uint8Array), Buffer.from(raw));
    raw[0] = 0; // the tree owns its copy
    assert.equal((m!.get('data') as Uint8Array)[0], 0xff);
  });

  it('writes data back as the exact bytes (string data is written as UTF-8)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (raw) => {
        assert.deepEqual(Buffer.from(store.emitPlain(store.loadPlain(raw))), Buffer.from(raw));
      }),
    );
    assert.equal(dec(store.emitPlain([new Mapping([{ key: 'x', value: 1n }, { key: 'data', value: 'é\n' }])])), 'é\n');
  });

  it('refuses trees it cannot write (exit 4)', () => {
    for (const bad of [[], [new Mapping(), new Mapping()], [new Mapping([{ key: 'other', value: 'x' }])], [new Mapping([{ key: 'data', value: 3n }])]]) {
      assert.throws(
        () => store.emitPlain(bad),
        (e: unknown) => e instanceof SopsError && e.code === ExitCode.ErrorDumpingTree,
      );
    }
    assert.throws(() => store.emitValue('x'), SopsError);
  });

  it('encrypted form is the JSON envelope with a tab indent, or the configured indent', () => {
    const tree = [new Mapping([{ key: 'data', value: 'ENC[x]' }, { key: 'sops', value: new Mapping([{ key: 'version', value: '3.13.2' }]) }])];
    const out = store.emitEncrypted(tree);
    assert.equal(dec(out), '{\n\t"data": "ENC[x]",\n\t"sops": {\n\t\t"version": "3.13.2"\n\t}\n}\n');
    assert.equal(dec(new BinaryStore({ indent: 2 }).emitEncrypted(tree)), '{\n  "data": "ENC[x]",\n  "sops": {\n    "version": "3.13.2"\n  }\n}\n');
    const back = store.loadEncrypted(out)[0]!;
    assert.equal(back.get('data'), 'ENC[x]');
    assert.ok(isMapping(back.get('sops')));
  });
});

describe('getStore', () => {
  it('returns the store named, each reporting that name', async () => {
    for (const name of ['json', 'dotenv', 'ini', 'binary'] as StoreName[]) {
      const s = await getStore(name);
      assert.equal(s.name, name);
    }
  });

  it('loads the YAML store on demand from ./yaml.js', async () => {
    const s = await getStore('yaml', { indent: 2 });
    assert.equal(s.name, 'yaml');
    assert.equal(s.constructor.name, 'YamlStore');
  });

  it('passes the indent to the JSON and binary stores', async () => {
    const tree = [new Mapping([{ key: 'data', value: 'x' }])];
    assert.equal(dec((await getStore('json', { indent: 3 })).emitPlain(tree)), '{\n   "data": "x"\n}\n');
    assert.equal(dec((await getStore('binary', { indent: 1 })).emitEncrypted(tree)), '{\n "data": "x"\n}\n');
    assert.equal(dec((await getStore('binary')).emitPlain([new Mapping([{ key: 'data', value: enc('raw') }])])), 'raw');
  });
});
