// Behaviours where the CLI must do exactly what sops 3.x does (issues 12 and 13), run as a user runs them: dotenv's
// `sops` variable, raw bytes in dotenv and INI values, set/unset options, --extract, exit codes. Files "as sops writes
// them" are the real vectors with leaves added by sops's rules (AES-GCM leaf per value, SHA-512 MAC over the raw bytes
// of every value in document order, sealed with lastmodified as AAD), so the data key stays the vector's own.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEncrypted } from '../../src/engine.js';
import { decryptValue, encryptValue } from '../../src/sops/cipher.js';
import { encryptMac } from '../../src/sops/mac.js';
import { runCli, testEnv } from '../helpers/env.js';
import { SOPS_VECTORS } from '../helpers/paths.js';

const AGE = 'age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju';
const ENV_VECTOR = join(SOPS_VECTORS, 'external/humphd-sops-age/tests/data/secret.enc.env');
const INI_VECTOR = join(SOPS_VECTORS, 'functional-tests/res/format.enc.ini');

function expected(name: string): { dataKey: Buffer; lastModified: string } {
  const e = JSON.parse(readFileSync(join(SOPS_VECTORS, 'expected', `${name}.expected.json`), 'utf8'));
  return { dataKey: Buffer.from(e.data_key_hex, 'hex'), lastModified: e.lastmodified };
}

const raw = (...parts: (string | number[] | Buffer)[]) => Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p as string))));

/** A sops MAC over the plaintext bytes of every leaf, in document order. */
function mac(leaves: Buffer[], dataKey: Buffer, lastModified: string): string {
  const h = createHash('sha512');
  for (const l of leaves) h.update(l);
  return encryptMac(h.digest('hex').toUpperCase(), dataKey, lastModified);
}

/** The humphd dotenv vector with its data replaced by `leaves` (key, plaintext bytes), as sops would write it. */
function sopsDotenv(leaves: [string, Buffer][]): Buffer {
  const { dataKey, lastModified } = expected('external__humphd-sops-age__tests__data__secret.enc.env');
  const meta = readFileSync(ENV_VECTOR, 'utf8').split('\n').filter((l) => l.startsWith('sops_'));
  const data = leaves.map(([k, v]) => `${k}=${encryptValue(new Uint8Array(v), dataKey, `${k}:`)}`);
  const m = mac(leaves.map(([, v]) => v), dataKey, lastModified);
  return Buffer.from([...data, ...meta.map((l) => (l.startsWith('sops_mac=') ? `sops_mac=${m}` : l))].join('\n') + '\n');
}

/** format.enc.ini with a second key `raw` in its [foo] section holding `value`, as sops would write it. */
function sopsIni(value: Buffer): Buffer {
  const { dataKey, lastModified } = expected('functional-tests__res__format.enc.ini');
  const text = readFileSync(INI_VECTOR, 'utf8');
  const bar = Buffer.from('baz');
  const m = mac([bar, value], dataKey, lastModified);
  const sops = text.slice(text.indexOf('[sops]')).replace(/^(mac +=) .*$/m, `$1 ${m}`);
  const data = `[foo]\nbar = ${encryptValue('baz', dataKey, 'foo:bar:')}\nraw = ${encryptValue(new Uint8Array(value), dataKey, 'foo:raw:')}\n\n`;
  return Buffer.from(data + sops);
}

describe('sops parity: dotenv and INI stores', function () {
  let dir: string;
  const env = testEnv();
  before(() => (dir = mkdtempSync(join(tmpdir(), 'hs-parity-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a dotenv variable named sops is data: it encrypts, and a sops-written file holding one decrypts', function () {
    const plain = join(dir, 'vars.env');
    writeFileSync(plain, 'sops=not metadata\nA=1\n');
    const enc = runCli(['encrypt', '--age', AGE, plain], { env });
    assert.equal(enc.code, 0, enc.stderr);
    assert.match(enc.stdout.toString(), /^sops=ENC\[AES256_GCM,.*type:str\]\nA=ENC\[/);
    const encFile = join(dir, 'vars.enc.env');
    writeFileSync(encFile, enc.stdout);
    assert.equal(runCli(['decrypt', encFile], { env }).stdout.toString(), 'sops=not metadata\nA=1\n');

    const written = join(dir, 'written.env');
    writeFileSync(written, sopsDotenv([['sops', Buffer.from('from sops')], ['B', Buffer.from('2')]]));
    const dec = runCli(['decrypt', written], { env });
    assert.equal(dec.code, 0, dec.stderr);
    assert.equal(dec.stdout.toString(), 'sops=from sops\nB=2\n');
    // sops_* keys stay reserved in dotenv output (203), but not when another store writes the file.
    writeFileSync(plain, 'sops_x=1\n');
    assert.equal(runCli(['encrypt', '--age', AGE, plain], { env }).code, 203);
    const asJson = runCli(['encrypt', '--age', AGE, '--output-type', 'json', plain], { env });
    assert.equal(asJson.code, 0, asJson.stderr);
    assert.match(asJson.stdout.toString(), /"sops_x": "ENC\[/);
  });

  it('dotenv values that are not UTF-8 round-trip as their bytes, and sops-written ones decrypt with the MAC over the bytes', async function () {
    const value = raw('caf', [0xe9], ' ', [0xff, 0xfe], 'x', [0xe2, 0x82]);
    const plain = join(dir, 'bytes.env');
    const bytes = raw('A=', value, '\nB=ok\n');
    writeFileSync(plain, bytes);
    const enc = runCli(['encrypt', '--age', AGE, plain], { env });
    assert.equal(enc.code, 0, enc.stderr);
    const encFile = join(dir, 'bytes.enc.env');
    writeFileSync(encFile, enc.stdout);
    const dec = runCli(['decrypt', encFile], { env });
    assert.equal(dec.code, 0, dec.stderr);
    assert.deepEqual(dec.stdout, bytes);

    // The MAC the writer stored is SHA-512 over the raw bytes of the values, as sops hashes them.
    const opened = await openEncrypted(enc.stdout, encFile, { env, stash: false });
    const stored = decryptValue(opened.metadata.mac, opened.dataKey, opened.metadata.lastModified);
    assert.equal(stored, createHash('sha512').update(value).update('ok').digest('hex').toUpperCase());

    const written = join(dir, 'bytes-sops.env');
    writeFileSync(written, sopsDotenv([['A', value], ['B', Buffer.from('ok')]]));
    const fromSops = runCli(['decrypt', written], { env });
    assert.equal(fromSops.code, 0, fromSops.stderr);
    assert.deepEqual(fromSops.stdout, bytes);
    assert.deepEqual(runCli(['decrypt', '--extract', '["A"]', written], { env }).stdout, value);
  });

  it('INI values that are not UTF-8 round-trip as their bytes, and sops-written ones decrypt with the MAC over the bytes', function () {
    const value = raw([0x80], 'abc', [0xed, 0xa0, 0x80], ' z', [0xc3]);
    const plain = join(dir, 'bytes.ini');
    const bytes = raw('[foo]\nbar = baz\nraw = ', value, '\n');
    writeFileSync(plain, bytes);
    const enc = runCli(['encrypt', '--age', AGE, plain], { env });
    assert.equal(enc.code, 0, enc.stderr);
    const encFile = join(dir, 'bytes.enc.ini');
    writeFileSync(encFile, enc.stdout);
    const dec = runCli(['decrypt', encFile], { env });
    assert.equal(dec.code, 0, dec.stderr);
    assert.deepEqual(dec.stdout, bytes);

    const written = join(dir, 'bytes-sops.ini');
    writeFileSync(written, sopsIni(value));
    const fromSops = runCli(['decrypt', written], { env });
    assert.equal(fromSops.code, 0, fromSops.stderr);
    assert.deepEqual(fromSops.stdout, bytes);
  });

  it("--extract on INI: an empty DEFAULT prints nothing, a section is refused in sops's words (exit 4)", function () {
    const f = join(SOPS_VECTORS, 'example.ini');
    const def = runCli(['decrypt', '--extract', '["DEFAULT"]', f], { env });
    assert.equal(def.code, 0, def.stderr);
    assert.equal(def.stdout.length, 0);
    const sec = runCli(['decrypt', '--extract', '["name"]', f], { env });
    assert.equal(sec.code, 4);
    assert.match(sec.stderr, /Error encoding section: Section values should always be TreeBranches/);
    assert.equal(runCli(['decrypt', '--extract', '["name"]["firstName"]', f], { env }).stdout.toString(), 'John');
  });
});

describe('sops parity: decrypt and encrypt options', function () {
  let dir: string;
  let json: string;
  const env = testEnv();
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hs-parity-'));
    json = join(dir, 'nested.json');
    writeFileSync(json, '{"a": {"b": {"c": 1, "l": [1, 2.5, "x"]}, "s": "t"}, "foo": 99}');
    const r = runCli(['encrypt', '-i', '--age', AGE, json], { env });
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--extract of a JSON subtree ends with a newline, as a whole file does', function () {
    const r = runCli(['decrypt', '--extract', '["a"]["b"]', json], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), '{\n\t"c": 1,\n\t"l": [\n\t\t1,\n\t\t2.5,\n\t\t"x"\n\t]\n}\n');
  });

  it('--output-type ini writes nested values as sops does (Go %v), and refuses a top-level scalar', function () {
    const r = runCli(['decrypt', '--output-type', 'ini', '--extract', '["a"]', json], { env });
    assert.equal(r.code, 4, 'a mapping of key/values is not sections');
    const top = join(dir, 'sections.json');
    writeFileSync(top, '{"a": {"b": {"c": 1, "l": [1, 2.5, "x"]}, "s": "t"}}');
    assert.equal(runCli(['encrypt', '-i', '--age', AGE, top], { env }).code, 0);
    const ini = runCli(['decrypt', '--output-type', 'ini', top], { env });
    assert.equal(ini.code, 0, ini.stderr);
    assert.equal(ini.stdout.toString(), '[a]\nb = [{c 1} {l [1 2.5 x]}]\ns = t\n');
  });

  it('binary input: --mac-only-encrypted is cleared (sops clears it for single-value stores)', function () {
    const bin = join(dir, 'blob.bin');
    writeFileSync(bin, 'payload\n');
    const r = runCli(['encrypt', '--age', AGE, '--mac-only-encrypted', bin], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout.toString(), /mac_only_encrypted/);
    const back = join(dir, 'blob.enc');
    writeFileSync(back, r.stdout);
    assert.equal(runCli(['decrypt', '--input-type', 'binary', back], { env }).stdout.toString(), 'payload\n');
  });

  it('binary data that is not UTF-8 is written to JSON as Go encoding/json does (\\ufffd per invalid byte) and to YAML as !!binary', function () {
    const bin = join(dir, 'bad.bin');
    writeFileSync(bin, raw('ab', [0xff, 0xfe, 0xc3], '(', [0xe2, 0x82], 'z\b\n'));
    const enc = runCli(['encrypt', '--age', AGE, bin], { env });
    assert.equal(enc.code, 0, enc.stderr);
    writeFileSync(bin, enc.stdout);
    const j = runCli(['decrypt', '--output-type', 'json', bin], { env });
    assert.equal(j.stdout.toString(), '{\n\t"data": "ab\\ufffd\\ufffd\\ufffd(\\ufffd\\ufffdz\\b\\n"\n}\n');
    const y = runCli(['decrypt', '--output-type', 'yaml', bin], { env });
    assert.equal(y.stdout.toString(), 'data: !!binary YWL//sMo4oJ6CAo=\n');
  });
});

describe('sops parity: set, unset and exit codes', function () {
  let dir: string;
  const env = testEnv();
  const fresh = (name: string, text = '{"foo": 99, "x": {"y": "z"}}'): string => {
    const f = join(dir, name);
    writeFileSync(f, text);
    const r = runCli(['encrypt', '-i', '--age', AGE, f], { env });
    assert.equal(r.code, 0, r.stderr);
    return f;
  };
  before(() => (dir = mkdtempSync(join(tmpdir(), 'hs-parity-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('set --output-type yaml rewrites a JSON file as YAML, also for an unchanged value; --idempotent keeps it then', function () {
    const f = fresh('a.json');
    const r = runCli(['set', '--output-type', 'yaml', f, '["x"]["y"]', '"w"'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(readFileSync(f, 'utf8'), /^foo: ENC\[[^\n]*type:int\]\nx:\n {4}"y": ENC\[/);
    assert.match(readFileSync(f, 'utf8'), /\nsops:\n/);
    const back = runCli(['decrypt', '--input-type', 'yaml', '--output-type', 'json', f], { env });
    assert.equal(back.stdout.toString(), '{\n\t"foo": 99,\n\t"x": {\n\t\t"y": "w"\n\t}\n}\n');

    const g = fresh('b.json');
    const before = readFileSync(g);
    assert.equal(runCli(['set', '--idempotent', '--output-type', 'yaml', g, '["x"]["y"]', '"z"'], { env }).code, 0);
    assert.deepEqual(readFileSync(g), before, '--idempotent and an unchanged value: not written');
    assert.equal(runCli(['set', '--output-type', 'yaml', g, '["x"]["y"]', '"z"'], { env }).code, 0);
    assert.match(readFileSync(g, 'utf8'), /^foo: ENC\[/);
  });

  it('set of a key the writing store reserves exits 203 as sops does; a dotenv variable named sops can be set', function () {
    const f = fresh('r.json');
    const before = readFileSync(f);
    const r = runCli(['set', f, '["sops"]', '1'], { env });
    assert.equal(r.code, 203, r.stderr);
    assert.deepEqual(readFileSync(f), before);
    const e = fresh('r.env', 'A=1\n');
    assert.equal(runCli(['set', e, '["sops_x"]', '"v"'], { env }).code, 203);
    const ok = runCli(['set', e, '["sops"]', '"v"'], { env });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(runCli(['decrypt', e], { env }).stdout.toString(), 'A=1\nsops=v\n');
  });

  it('unset --idempotent through a scalar fails as sops does (exit 1), the file untouched', function () {
    const f = fresh('c.json');
    const before = readFileSync(f);
    const r = runCli(['unset', '--idempotent', f, '["foo"]["bar"]'], { env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Unsupported type: int for item 'bar'/);
    assert.deepEqual(readFileSync(f), before);
    assert.equal(runCli(['unset', '--idempotent', f, '["nope"]["bar"]'], { env }).code, 0, 'a missing key stays a no-op');
  });

  it("exit codes: duplicate --decryption-order entry 112, rotate of a missing file 49 (with key changes) or 2, updatekeys without config 1", function () {
    const f = fresh('d.json');
    const dup = runCli(['decrypt', '--decryption-order', 'age,pgp,age', f], { env });
    assert.equal(dup.code, 112);
    assert.match(dup.stderr, /Duplicate decryption key type: age/);
    assert.equal(runCli(['decrypt', f], { env: { ...env, SOPS_DECRYPTION_ORDER: 'age,age' } }).code, 112);
    assert.equal(runCli(['decrypt', '--decryption-order', 'age, age', f], { env }).code, 0, 'sops compares the entries untrimmed');

    const missing = join(dir, 'missing.json');
    const add = runCli(['rotate', '--add-age', AGE, missing], { env });
    assert.equal(add.code, 49);
    assert.match(add.stderr, /non-existent file/);
    assert.equal(runCli(['rotate', missing], { env }).code, 2);

    const noConfig = runCli(['updatekeys', '-y', f], { env, cwd: dir });
    assert.equal(noConfig.code, 1);
    assert.match(noConfig.stderr, /config file not found/);
    assert.equal(runCli(['updatekeys'], { env, cwd: dir }).code, 1, 'sops looks the config up before it counts the files');
  });
});
