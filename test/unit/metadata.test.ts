// The `sops` block: lenient reading (any order, null lists, strings for numbers), sops 3.13 emission, split/attach.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  SOPS_COMPAT_VERSION,
  attachMetadata,
  metadataToMapping,
  nowLastModified,
  parseMetadata,
  splitMetadata,
  type Metadata,
} from '../../src/sops/metadata.js';
import { Comment, Mapping, type Value } from '../../src/sops/tree.js';
import { SopsError } from '../../src/errors.js';
import { SOPS_VECTORS } from '../helpers/paths.js';
import { entrySchemas } from '../../src/keys/registry.js';

const KINDS = entrySchemas();

/** JSON-ish value -> tree (numbers stay JS numbers, as the JSON store gives floats). */
function tree(v: unknown): Value {
  if (Array.isArray(v)) return v.map(tree);
  if (v !== null && typeof v === 'object' && !(v instanceof Mapping) && !(typeof v === 'bigint')) {
    return new Mapping(Object.entries(v).map(([key, value]) => ({ key, value: tree(value) })));
  }
  return v as Value;
}
/** tree -> plain object with key order preserved as arrays of [key, value] for exact comparisons. */
function plain(v: Value): unknown {
  if (v instanceof Mapping) return v.items.map((it) => [it.key as string, plain(it.value)]);
  if (Array.isArray(v)) return v.map(plain);
  return v;
}
const keysOf = (m: Mapping) => m.items.map((i) => i.key);
const err = (re: RegExp) => (e: unknown) => e instanceof SopsError && re.test(e.message);

const PGP = { created_at: '2019-12-10T22:45:55Z', enc: '-----BEGIN PGP MESSAGE-----\n\nx\n-----END PGP MESSAGE-----', fp: 'FBC7' };
const AGE = { recipient: 'age1abc', enc: '-----BEGIN AGE ENCRYPTED FILE-----\nx\n-----END AGE ENCRYPTED FILE-----\n' };

describe('metadata: parse', () => {
  it('reads a real sops 3.5 block (null lists, pgp keys) in any order', () => {
    const raw = JSON.parse(readFileSync(join(SOPS_VECTORS, 'example.json'), 'utf8')).sops;
    const md = parseMetadata(tree(raw) as Mapping, KINDS);
    assert.equal(md.keyGroups.length, 1);
    assert.deepEqual(md.keyGroups[0].map((e) => [e.kind, e.fields.fp]), [
      ['pgp', 'FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4'],
      ['pgp', 'D7229043384BCC60326C6FB9D8720D957C3D3074'],
    ]);
    assert.equal(md.lastModified, '2019-12-10T22:45:55Z');
    assert.match(md.mac, /^ENC\[AES256_GCM,data:VoXD/);
    assert.deepEqual(md.rule, { kind: 'unencrypted_suffix', value: '_unencrypted' });
    assert.equal(md.version, '3.5.0');
    assert.equal(md.shamirThreshold, 0);
    assert.equal(md.macOnlyEncrypted, false);
    assert.deepEqual(md.extra, []);
  });

  it('orders a group as sops does internally and keeps both age field orders', () => {
    const md = parseMetadata(
      tree({
        version: '3.13.2',
        age: [AGE, { enc: 'E2', recipient: 'age1def' }],
        pgp: [PGP],
        kms: [{ arn: 'arn:aws:kms:eu-west-1:1:key/k', created_at: '2020-01-01T00:00:00Z', enc: 'Zm9v', aws_profile: '', context: { b: '2', a: '1' } }],
        lastmodified: '2024-05-01T10:00:00Z',
        mac: 'ENC[x]',
        attention: 'This section contains key material that should only be modified with extra care.',
      }) as Mapping,
      KINDS,
    );
    assert.deepEqual(md.keyGroups[0].map((e) => e.kind), ['kms', 'pgp', 'age', 'age']);
    assert.equal(md.keyGroups[0][2].fields.recipient, 'age1abc');
    assert.equal(md.keyGroups[0][3].fields.enc, 'E2');
    assert.deepEqual(md.keyGroups[0][0].fields.context, { b: '2', a: '1' });
    assert.deepEqual(md.extra.map((i) => i.key), ['attention']);
    assert.deepEqual(md.rule, { kind: 'unencrypted_suffix', value: '_unencrypted' });
  });

  it('accepts dotenv/INI strings for ints and bools, and key_groups', () => {
    const md = parseMetadata(
      tree({
        shamir_threshold: '2',
        mac_only_encrypted: 'true',
        key_groups: [{ pgp: [PGP], age: null }, { age: [AGE], hc_vault: [] }],
        lastmodified: '2024-05-01T10:00:00.5+02:00',
        mac: '',
        encrypted_regex: '^data$',
        version: '3.13.2',
      }) as Mapping,
      KINDS,
    );
    assert.equal(md.shamirThreshold, 2);
    assert.equal(md.macOnlyEncrypted, true);
    assert.deepEqual(md.keyGroups.map((g) => g.map((e) => e.kind)), [['pgp'], ['age']]);
    assert.deepEqual(md.rule, { kind: 'encrypted_regex', value: '^data$' });
    assert.equal(parseMetadata(tree({ age: [AGE], lastmodified: '2024-05-01T10:00:00Z', shamir_threshold: 3n, mac_only_encrypted: false }) as Mapping, KINDS).shamirThreshold, 3);
  });

  it('lets top-level keys win over key_groups', () => {
    const md = parseMetadata(tree({ age: [AGE], key_groups: [{ pgp: [PGP] }, { pgp: [PGP] }], lastmodified: '2024-05-01T10:00:00Z' }) as Mapping, KINDS);
    assert.deepEqual(md.keyGroups.map((g) => g.map((e) => e.kind)), [['age']]);
  });

  it('ignores comments inside the block', () => {
    const m = tree({ age: [AGE], lastmodified: '2024-05-01T10:00:00Z' }) as Mapping;
    m.items.unshift({ key: new Comment(' note'), value: null });
    assert.equal(parseMetadata(m, KINDS).keyGroups[0][0].fields.recipient, 'age1abc');
  });

  it('refuses what sops refuses', () => {
    const base = { lastmodified: '2024-05-01T10:00:00Z' };
    assert.throws(() => parseMetadata(tree({ ...base, kms: [], pgp: null }) as Mapping, KINDS), err(/^No keys found in file$/));
    assert.throws(() => parseMetadata(tree({ ...base, age: [AGE], encrypted_suffix: '_e', unencrypted_regex: 'x' }) as Mapping, KINDS), err(/Cannot use more than one of/));
    assert.throws(() => parseMetadata(tree({ ...base, pgp: [{ ...PGP, created_at: 'yesterday' }] }) as Mapping, KINDS), err(/created_at of a pgp key/));
    assert.throws(() => parseMetadata(tree({ ...base, pgp: [{ fp: 'X', enc: 'E' }] }) as Mapping, KINDS), err(/created_at/));
    assert.throws(() => parseMetadata(tree({ age: [AGE] }) as Mapping, KINDS), err(/lastmodified/));
    assert.throws(() => parseMetadata(tree({ ...base, age: [AGE], shamir_threshold: 'two' }) as Mapping, KINDS), err(/shamir_threshold/));
    assert.throws(() => parseMetadata(tree({ ...base, age: [AGE], mac_only_encrypted: 'yes' }) as Mapping, KINDS), err(/mac_only_encrypted/));
    assert.throws(() => parseMetadata(tree({ ...base, age: 'age1x' }) as Mapping, KINDS), err(/'age' expected a list/));
  });
});

describe('metadata: emission like sops 3.13', () => {
  const one = (): Metadata => ({
    keyGroups: [[
      { kind: 'kms', fields: { arn: 'arn:k', created_at: '2020-01-01T00:00:00.9Z', enc: 'Zm9v', aws_profile: '', role: '', context: { z: '1', a: '2' } } },
      { kind: 'pgp', fields: { ...PGP } },
      { kind: 'age', fields: { ...AGE } },
    ]],
    shamirThreshold: 0,
    lastModified: '2024-05-01T10:00:00Z',
    mac: 'ENC[mac]',
    rule: { kind: 'unencrypted_suffix', value: '_unencrypted' },
    macOnlyEncrypted: false,
    version: SOPS_COMPAT_VERSION,
    extra: [{ key: 'attention', value: 'x' }],
  });

  it('writes one group flat with every map sorted, empty lists and defaults omitted', () => {
    const m = metadataToMapping(one(), KINDS);
    assert.deepEqual(plain(m), [
      ['age', [[['enc', AGE.enc], ['recipient', 'age1abc']]]],
      ['kms', [[['arn', 'arn:k'], ['aws_profile', ''], ['context', [['a', '2'], ['z', '1']]], ['created_at', '2020-01-01T00:00:00Z'], ['enc', 'Zm9v']]]],
      ['lastmodified', '2024-05-01T10:00:00Z'],
      ['mac', 'ENC[mac]'],
      ['pgp', [[['created_at', PGP.created_at], ['enc', PGP.enc], ['fp', 'FBC7']]]],
      ['unencrypted_suffix', '_unencrypted'],
      ['version', '3.13.2'],
    ]);
  });

  it('writes several groups as key_groups with hc_vault and age as [] when empty', () => {
    const md = one();
    md.keyGroups = [[{ kind: 'pgp', fields: { ...PGP } }], [{ kind: 'age', fields: { ...AGE } }]];
    md.shamirThreshold = 2;
    md.macOnlyEncrypted = true;
    md.rule = { kind: 'encrypted_comment_regex', value: 'sops:enc' };
    const m = metadataToMapping(md, KINDS);
    assert.deepEqual(keysOf(m), ['encrypted_comment_regex', 'key_groups', 'lastmodified', 'mac', 'mac_only_encrypted', 'shamir_threshold', 'version']);
    const groups = m.get('key_groups') as Mapping[];
    assert.deepEqual(groups.map(keysOf), [['age', 'hc_vault', 'pgp'], ['age', 'hc_vault']]);
    assert.deepEqual(groups[0].get('age'), []);
    assert.equal(m.get('shamir_threshold'), 2n);
    assert.equal(m.get('mac_only_encrypted'), true);
  });

  it('round-trips every field through parse', () => {
    for (const md of [one(), { ...one(), keyGroups: [[{ kind: 'hc_vault', fields: { vault_address: 'https://v:8200', engine_path: 'transit', key_name: 'k', created_at: '2020-01-01T00:00:00Z', enc: 'vault:v1:x' } }], [{ kind: 'azure_kv', fields: { vault_url: 'https://a.vault.azure.net', name: 'n', version: 'v', created_at: '2020-01-01T00:00:00Z', enc: 'e' } }, { kind: 'gcp_kms', fields: { resource_id: 'projects/p', created_at: '2020-01-01T00:00:00Z', enc: 'e' } }, { kind: 'hckms', fields: { key_id: 'r:k', created_at: '2020-01-01T00:00:00Z', enc: 'e' } }]], shamirThreshold: 2, macOnlyEncrypted: true }]) {
      const back = parseMetadata(metadataToMapping(md, KINDS), KINDS);
      const expectGroups = md.keyGroups.map((g) =>
        g.map((e) => ({ kind: e.kind, fields: { ...e.fields, ...(e.fields.created_at ? { created_at: String(e.fields.created_at).replace(/\.\d+Z$/, 'Z') } : {}) } })),
      );
      // kms role '' is omitted on write and read back as ''
      assert.deepEqual(back.keyGroups.map((g) => g.map((e) => e.kind)), expectGroups.map((g) => g.map((e) => e.kind)).map((ks) => [...ks].sort((a, b) => ['kms', 'gcp_kms', 'hckms', 'azure_kv', 'hc_vault', 'pgp', 'age'].indexOf(a) - ['kms', 'gcp_kms', 'hckms', 'azure_kv', 'hc_vault', 'pgp', 'age'].indexOf(b))));
      for (const [gi, g] of back.keyGroups.entries()) {
        for (const e of g) {
          const src = expectGroups[gi].find((x) => x.kind === e.kind)!;
          assert.deepEqual(e.fields, src.fields);
        }
      }
      assert.equal(back.shamirThreshold, md.shamirThreshold);
      assert.equal(back.lastModified, md.lastModified);
      assert.equal(back.mac, md.mac);
      assert.deepEqual(back.rule, md.rule);
      assert.equal(back.macOnlyEncrypted, md.macOnlyEncrypted);
      assert.equal(back.version, md.version);
      assert.deepEqual(back.extra, []);
    }
  });
});

describe('metadata: split and attach', () => {
  it('takes the first document\'s block and removes it from every document', () => {
    const meta0 = tree({ age: [AGE], lastmodified: '2024-05-01T10:00:00Z' }) as Mapping;
    const b = [tree({ a: 1 }) as Mapping, tree({ b: 2 }) as Mapping];
    b[0].items.push({ key: 'sops', value: meta0 });
    b[1].items.push({ key: 'sops', value: tree({ other: true }) });
    assert.equal(splitMetadata(b), meta0);
    assert.deepEqual(b.map(keysOf), [['a'], ['b']]);
    assert.equal(splitMetadata(b), null);
  });
  it('refuses duplicate or non-map blocks', () => {
    const dup = [tree({ a: 1 }) as Mapping];
    dup[0].items.push({ key: 'sops', value: new Mapping() }, { key: 'sops', value: new Mapping() });
    assert.throws(() => splitMetadata(dup), err(/duplicate sops/));
    assert.throws(() => splitMetadata([tree({ sops: 'x' }) as Mapping]), err(/not a mapping/));
  });
  it('appends the block last in every document, refusing a data key named sops', () => {
    const b = [tree({ a: 1 }) as Mapping, tree({ b: 2 }) as Mapping];
    const m = tree({ version: '3.13.2' }) as Mapping;
    attachMetadata(b, m);
    assert.deepEqual(b.map(keysOf), [['a', 'sops'], ['b', 'sops']]);
    assert.deepEqual(plain(b[1].get('sops')!), plain(m));
    assert.throws(() => attachMetadata([tree({ sops: 1 }) as Mapping], m), err(/reserved key/));
  });
  it('nowLastModified is UTC at second precision', () => {
    const s = nowLastModified();
    assert.match(s, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.ok(Math.abs(Date.parse(s) - Date.now()) < 5000);
  });
});
