// Real files written by sops (3.5 to 3.13) and helm-secrets: each store must read them into the tree whose leaves
// and AADs the independent decryptor found, and write them back byte for byte where sops 3.13 wrote them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HS_VECTORS, SOPS_VECTORS } from '../helpers/paths.js';
import { getStore } from '../../src/sops/stores/index.js';
import { metadataKeyOf, type StoreName } from '../../src/sops/store.js';
import { Comment, Mapping, isComment, isMapping, type Branches, type Value } from '../../src/sops/tree.js';

interface Vector {
  file: string;
  store: StoreName;
  indent?: number;
  /** Set when the file was not written by sops 3.13.2: what differs, and the bytes 3.13.2 would write. */
  exempt?: { why: string; expected: (orig: string) => string | undefined };
  /** expected/*.expected.json name, when the independent decryptor covered the file. */
  expected?: string;
}

const addNewline = { why: 'sops 3.5-3.7 wrote no trailing newline', expected: (s: string) => s + '\n' };

const VECTORS: Vector[] = [
  { file: join(SOPS_VECTORS, 'example.json'), store: 'json', exempt: addNewline, expected: 'example.json' },
  { file: join(SOPS_VECTORS, 'functional-tests/res/format.enc.json'), store: 'json', expected: 'functional-tests__res__format.enc.json' },
  {
    file: join(SOPS_VECTORS, 'examples/per_file/config.enc/static_github.json'),
    store: 'json',
    exempt: addNewline,
    expected: 'examples__per_file__config.enc__static_github.json',
  },
  {
    file: join(SOPS_VECTORS, 'examples/all_in_one/config/secret.enc.json'),
    store: 'json',
    exempt: addNewline,
    expected: 'examples__all_in_one__config__secret.enc.json',
  },
  {
    file: join(SOPS_VECTORS, 'external/humphd-sops-age/tests/data/secret.enc.json'),
    store: 'json',
    indent: 2,
    expected: 'external__humphd-sops-age__tests__data__secret.enc.json',
  },
  { file: join(HS_VECTORS, 'tests/assets/values/sops/files/file.json'), store: 'json', exempt: addNewline },
  { file: join(SOPS_VECTORS, 'example.txt'), store: 'binary', exempt: addNewline, expected: 'example.txt' },
  { file: join(HS_VECTORS, 'tests/assets/values/sops/files/file.properties'), store: 'binary', exempt: addNewline },
  { file: join(HS_VECTORS, 'tests/assets/values/sops/secrets.trailing-newline.raw'), store: 'binary' },
  { file: join(SOPS_VECTORS, 'functional-tests/res/format.enc.env'), store: 'dotenv', expected: 'functional-tests__res__format.enc.env' },
  {
    file: join(SOPS_VECTORS, 'external/humphd-sops-age/tests/data/secret.enc.env'),
    store: 'dotenv',
    expected: 'external__humphd-sops-age__tests__data__secret.enc.env',
  },
  { file: join(SOPS_VECTORS, 'functional-tests/res/format.enc.ini'), store: 'ini', expected: 'functional-tests__res__format.enc.ini' },
  {
    file: join(SOPS_VECTORS, 'functional-tests/res/format-2.enc.ini'),
    store: 'ini',
    expected: 'functional-tests__res__format-2.enc.ini',
    exempt: {
      why: 'sops 3.13.0-3.13.1 wrote metadata newlines as """ values; 3.13.2 writes \\n escapes',
      expected: (s) => s.replace(/"""([^"]*)"""/g, (_m, body: string) => body.replaceAll('\n', '\\n')),
    },
  },
  {
    file: join(SOPS_VECTORS, 'example.ini'),
    store: 'ini',
    expected: 'example.ini',
    exempt: {
      why: 'sops 3.5 wrote the [sops] keys in random order and a blank line after the last section',
      expected: (s) => {
        const at = s.indexOf('[sops]\n');
        const lines = s.slice(at + 7).split('\n').filter((l) => l !== '');
        const byKey = (l: string) => l.slice(0, l.indexOf(' '));
        return s.slice(0, at + 7) + lines.sort((a, b) => (byKey(a) < byKey(b) ? -1 : 1)).join('\n') + '\n';
      },
    },
  },
];

/** Plain JSON view of a tree, for deep comparisons across reads. */
function view(v: Value): unknown {
  if (isMapping(v)) return v.items.map((it) => [isComment(it.key) ? { comment: it.key.text } : it.key, view(it.value)]);
  if (Array.isArray(v)) return v.map(view);
  if (v instanceof Comment) return { comment: v.text };
  if (typeof v === 'bigint') return { int: v.toString() };
  if (v instanceof Uint8Array) return { bytes: Buffer.from(v).toString('hex') };
  return v;
}

interface Leaf {
  aad: string;
  type: string;
  plaintext?: string;
}

/** Leaves in walk order with their AAD (keys joined by `:`, lists add nothing) and ENC type, as sops walks them. */
function leaves(branches: Branches): { leaves: Leaf[]; comments: { aad: string; line: string }[] } {
  const out: Leaf[] = [];
  const comments: { aad: string; line: string }[] = [];
  const walk = (v: Value, path: string): void => {
    if (isMapping(v)) {
      for (const it of v.items) {
        if (isComment(it.key)) comments.push({ aad: path, line: it.key.text });
        else walk(it.value, path + it.key + ':');
      }
    } else if (Array.isArray(v)) {
      for (const el of v) walk(el, path);
    } else if (typeof v === 'string' || v instanceof Uint8Array) {
      const s = typeof v === 'string' ? v : Buffer.from(v).toString('utf8');
      if (s === '') return;
      const m = /^ENC\[AES256_GCM,data:[^,]*,iv:[^,]+,tag:[^,]+,type:(\w+)\]$/.exec(s);
      out.push(m ? { aad: path, type: m[1]! } : { aad: path, type: '(unencrypted)', plaintext: s });
    } else if (v !== null) {
      out.push({ aad: path, type: '(unencrypted)', plaintext: String(v) });
    }
  };
  const meta = new Set((['yaml', 'dotenv'] as StoreName[]).map(metadataKeyOf));
  for (const b of branches) walk(new Mapping(b.items.filter((it) => typeof it.key !== 'string' || !meta.has(it.key))), '');
  return { leaves: out, comments };
}

describe('stores: real sops files', () => {
  for (const vec of VECTORS) {
    const name = vec.file.slice(vec.file.indexOf('vectors/') + 8);
    describe(`${name} (${vec.store})`, () => {
      const bytes = readFileSync(vec.file);

      it("reads the metadata into a nested mapping under the store's metadata key, last in the first branch", async () => {
        const store = await getStore(vec.store, { indent: vec.indent });
        const tree = store.loadEncrypted(bytes);
        assert.equal(tree.length, 1);
        const items = tree[0]!.items;
        assert.equal(items[items.length - 1]!.key, metadataKeyOf(vec.store));
        const meta = items[items.length - 1]!.value;
        assert.ok(isMapping(meta));
        assert.match(String(meta.get('lastmodified')), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        assert.match(String(meta.get('mac')), /^ENC\[AES256_GCM,/);
        const keys = (meta.get('pgp') ?? meta.get('age')) as Value[];
        assert.ok(Array.isArray(keys) && keys.length > 0 && isMapping(keys[0]));
        assert.match(String((keys[0] as Mapping).get('enc')), /^-----BEGIN (PGP MESSAGE|AGE ENCRYPTED FILE)-----\n[\s\S]*-----\n?$/);
      });

      if (vec.expected) {
        it('has the leaves, types and AADs the independent decryptor found', async () => {
          const exp = JSON.parse(readFileSync(join(SOPS_VECTORS, 'expected', vec.expected + '.expected.json'), 'utf8')) as {
            leaves: Leaf[];
            comments: { aad: string; line: string }[];
          };
          const store = await getStore(vec.store, { indent: vec.indent });
          const got = leaves(store.loadEncrypted(bytes));
          const want = exp.leaves.map((l) => (l.type === '(unencrypted)' ? l : { aad: l.aad, type: l.type }));
          assert.deepEqual(got.leaves, want);
          assert.deepEqual(
            got.comments.map((c) => c.aad),
            exp.comments.map((c) => c.aad),
          );
          // INI writes comments as "; text": the stored comment line is what the store read, plus that prefix.
          assert.deepEqual(
            got.comments.map((c) => c.line),
            exp.comments.map((c) => c.line.replace(/^; /, '')),
          );
        });
      }

      if (!vec.exempt) {
        it('writes the file back byte for byte', async () => {
          const store = await getStore(vec.store, { indent: vec.indent });
          const out = Buffer.from(store.emitEncrypted(store.loadEncrypted(bytes)));
          assert.equal(out.toString('utf8'), bytes.toString('utf8'));
          assert.ok(out.equals(bytes));
        });
      } else {
        const exempt = vec.exempt;
        it(`writes what sops 3.13.2 writes (exempt from identity: ${exempt.why})`, async () => {
          const store = await getStore(vec.store, { indent: vec.indent });
          const tree = store.loadEncrypted(bytes);
          const out = Buffer.from(store.emitEncrypted(tree));
          assert.ok(!out.equals(bytes), 'the exemption no longer applies');
          assert.equal(out.toString('utf8'), exempt.expected(bytes.toString('utf8')));
          assert.deepEqual(view(store.loadEncrypted(out)[0]!), view(tree[0]!));
        });
      }
    });
  }

  it('format.enc.{json,env,ini} all read to the same data leaf foo/bar with type str', async () => {
    const found: string[] = [];
    for (const [f, n] of [
      ['format.enc.json', 'json'],
      ['format.enc.env', 'dotenv'],
      ['format.enc.ini', 'ini'],
    ] as const) {
      const store = await getStore(n);
      const got = leaves(store.loadEncrypted(readFileSync(join(SOPS_VECTORS, 'functional-tests/res', f))));
      found.push(got.leaves.map((l) => `${l.aad}${l.type}`).join());
    }
    assert.deepEqual(found, ['foo:str', 'foo :str', 'foo:bar:str']);
  });
});
