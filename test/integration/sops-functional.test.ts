// getsops/sops's functional tests (functional-tests/src/lib.rs, sops 3.13), translated scenario by scenario into
// runs of bin/sops, so a tool that calls `sops` gets what the real binary gives it. Each `it` names the sops test it
// stands for. The keys and files are the project's vectors (../shared/vectors/sops: the functional tests' PGP keys and
// res/ files, read in place and copied to a temporary directory); the .sops.yaml is written here with the same rules.
//
// Scenarios of lib.rs not run here, and why:
//   publish_json_file_s3, publish_json_file_vault, publish_json_file_vault_version_1
//       `sops publish` uploads to destinations (S3, Vault KV) from destination_rules: this plugin has no publish
//       (bin/sops refuses it, exit 1; tested below as a refusal, not counted as translated).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ROOT, SOPS_VECTORS } from '../helpers/paths.js';
import { testEnv } from '../helpers/env.js';
import { requireTool } from '../helpers/tools.js';
import { createKmsKey, startMoto, type Moto } from '../helpers/moto.js';

const SOPS = join(ROOT, 'bin', 'sops');
const RES = join(SOPS_VECTORS, 'functional-tests', 'res');
const FP1 = 'FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4';
const FP2 = 'D7229043384BCC60326C6FB9D8720D957C3D3074';
const FP_PUBLIC_ONLY = 'B611A2F9F11D0FF82568805119F9B5DAEA91FF86';

interface Run {
  code: number;
  stdout: Buffer;
  out: string;
  err: string;
}

describe('sops functional tests through bin/sops', function () {
  this.timeout(120000);
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const passed: string[] = [];
  let total = 0;

  /** Runs bin/sops in the scenario directory, as lib.rs runs ./sops. */
  function sops(args: string[], input?: string | Buffer, extraEnv: NodeJS.ProcessEnv = {}): Run {
    const r = spawnSync(SOPS, args, { cwd: dir, env: { ...env, ...extraEnv }, input, maxBuffer: 64 << 20 });
    return { code: r.status ?? -1, stdout: r.stdout, out: r.stdout.toString('utf8'), err: r.stderr.toString('utf8') };
  }
  function ok(args: string[], input?: string | Buffer, extraEnv?: NodeJS.ProcessEnv): Run {
    const r = sops(args, input, extraEnv);
    assert.equal(r.code, 0, `sops ${args.join(' ')} exited ${r.code}: ${r.err}`);
    return r;
  }
  function file(name: string, content: string | Buffer): string {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  }
  const read = (p: string) => readFileSync(p, 'utf8');
  function isEnc(v: unknown): void {
    assert.equal(typeof v, 'string', `not a string: ${JSON.stringify(v)}`);
    assert.match(v as string, /^ENC\[/);
  }

  before(function () {
    requireTool(this, 'gpg');
    dir = mkdtempSync(join(tmpdir(), 'sops-functional-'));
    mkdirSync(join(dir, 'res'));
    for (const f of ['comments.enc.yaml', 'comments.yaml', 'comments_list.yaml', 'comments_unencrypted_comments.yaml', 'multiple_keys.yaml', 'no_mac.yaml', 'format.enc.yaml', 'format.enc.json', 'format.enc.env', 'format.enc.ini', 'format-2.enc.ini']) {
      copyFileSync(join(RES, f), join(dir, 'res', f));
    }
    // The rules of the functional tests' .sops.yaml: two Shamir groups, one with a key we only have the public
    // half of, rules with no or empty key groups, and FP1 for everything else.
    writeFileSync(
      join(dir, '.sops.yaml'),
      [
        'creation_rules:',
        '  - path_regex: test_roundtrip_keygroups\\.yaml$',
        `    key_groups: [{pgp: [${FP1}]}, {pgp: [${FP2}]}]`,
        '  - path_regex: test_roundtrip_keygroups_missing_decryption_key\\.yaml$',
        `    key_groups: [{pgp: [${FP1}]}, {pgp: [${FP_PUBLIC_ONLY}]}]`,
        '  - path_regex: test_no_keygroups\\.yaml$',
        '  - path_regex: test_zero_keygroups\\.yaml$',
        '    key_groups: []',
        '  - path_regex: test_empty_keygroup\\.yaml$',
        '    key_groups:',
        '      - {}',
        `  - pgp: ${FP1}`,
        '',
      ].join('\n'),
    );
    env = testEnv();
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    process.stdout.write(`      sops functional scenarios: ${passed.length} of ${total} translated passing through bin/sops\n`);
  });
  afterEach(function () {
    const t = this.currentTest!;
    if (!t.title.startsWith('(not counted)')) {
      total++;
      if (t.state === 'passed') passed.push(t.title);
    }
  });

  it('encrypt_json_file', () => {
    const p = file('test_encrypt.json', '{\n  "foo": 2,\n  "bar": "baz"\n}');
    const doc = JSON.parse(ok(['encrypt', p]).out);
    assert.ok(doc.sops, 'no sops metadata');
    isEnc(doc.foo);
    isEnc(doc.bar);
  });

  it('encrypt_from_stdin', () => {
    const doc = JSON.parse(ok(['encrypt', '--filename-override', 'test_encrypt.yaml', '--output-type', 'json'], 'foo: 2\nbar: baz\n').out);
    assert.ok(doc.sops, 'no sops metadata');
    isEnc(doc.foo);
    isEnc(doc.bar);
  });

  describe('with AWS KMS (moto)', () => {
    let moto: Moto;
    let arn: string;
    before(async function () {
      requireTool(this, 'moto_server');
      moto = await startMoto();
      arn = await createKmsKey(moto);
    });
    after(async () => moto?.stop());

    it('encrypt_json_file_kms', () => {
      const p = file('test_encrypt_kms.json', '{\n  "foo": 2,\n  "bar": "baz"\n}');
      const doc = JSON.parse(ok(['encrypt', '--kms', arn, p], undefined, moto.env).out);
      assert.equal(doc.sops.kms[0].arn, arn);
      isEnc(doc.foo);
      isEnc(doc.bar);
    });

    it('roundtrip_kms_encryption_context', () => {
      const p = file('test_roundtrip_kms_encryption_context.json', '{\n  "foo": "bar",\n  "baz": "bam"\n}');
      ok(['encrypt', '--kms', arn, '--encryption-context', 'foo:bar,one:two', '-i', p], undefined, moto.env);
      assert.deepEqual(JSON.parse(read(p)).sops.kms[0].context, { foo: 'bar', one: 'two' });
      const out = ok(['decrypt', p], undefined, moto.env).out;
      assert.match(out, /foo/);
      assert.match(out, /baz/);
    });
  });

  it('test_ini_values_as_strings', () => {
    const p = file(
      'test_ini_values_as_strings.yaml',
      'the_section:\n  int: 123\n  float: 1.23\n  bool: true\n  date: 2025-01-02\n  timestamp: 2025-01-02 03:04:05\n  utc_timestamp: 2025-01-02T03:04:05Z\n  string: this is a string',
    );
    ok(['encrypt', '-i', p]);
    const out = ok(['decrypt', '--output-type', 'ini', p]).out;
    assert.equal(
      out,
      '[the_section]\nint           = 123\nfloat         = 1.23\nbool          = true\ndate          = 2025-01-02T00:00:00Z\n' +
        'timestamp     = 2025-01-02T03:04:05Z\nutc_timestamp = 2025-01-02T03:04:05Z\nstring        = this is a string\n',
    );
  });

  it('encrypt_yaml_file', () => {
    const p = file('test_encrypt.yaml', 'foo: 2\nbar: baz\n');
    const doc = parseYaml(ok(['encrypt', p]).out);
    assert.ok(doc.sops);
    isEnc(doc.foo);
    isEnc(doc.bar);
  });

  it('set_json_file_update', () => {
    const p = file('test_set_update.json', '{"a": 2, "b": "ba"}');
    ok(['encrypt', '-i', p]);
    ok(['set', p, '["a"]', '{"aa": "aaa"}']);
    const doc = JSON.parse(read(p));
    isEnc(doc.a.aa);
    assert.equal(JSON.parse(ok(['decrypt', p]).out).a.aa, 'aaa');
  });

  it('set_json_file_update_idempotent_write', () => {
    const p = file('test_set_update_idempotent_write.json', '{"a": 2, "b": "ba"}');
    ok(['encrypt', '-i', p]);
    const before = read(p);
    ok(['set', '--output-type', 'yaml', p, '["b"]', '"ba"']);
    const after = read(p);
    assert.notEqual(after, before);
    assert.ok(after.startsWith('a: '), after.slice(0, 40));
    assert.equal(ok(['decrypt', '--input-type', 'yaml', '--output-type', 'yaml', p]).out, 'a: 2\nb: ba\n');
  });

  it('set_json_file_update_idempotent_nowrite', () => {
    const p = file('test_set_update_idempotent_nowrite.json', '{"a": 2, "b": "ba"}');
    ok(['encrypt', '-i', p]);
    const before = read(p);
    ok(['set', '--output-type', 'yaml', '--idempotent', p, '["b"]', '"ba"']);
    assert.equal(read(p), before);
  });

  it('set_json_file_insert', () => {
    const p = file('test_set_insert.json', '{"a": 2, "b": "ba"}');
    ok(['encrypt', '-i', p]);
    ok(['set', p, '["c"]', '{"cc": "ccc"}']);
    isEnc(JSON.parse(read(p)).c.cc);
    assert.equal(JSON.parse(ok(['decrypt', p]).out).c.cc, 'ccc');
  });

  it('set_json_file_insert_with_value_file', () => {
    const p = file('test_set_insert_value_file.json', '{"a": 2, "b": "ba"}');
    const v = file('insert_value_file.json', '{"cc": "ccc"}');
    ok(['encrypt', '-i', p]);
    ok(['set', '--value-file', p, '["c"]', v]);
    isEnc(JSON.parse(read(p)).c.cc);
    assert.equal(JSON.parse(ok(['decrypt', p]).out).c.cc, 'ccc');
  });

  it('set_json_file_insert_with_value_stdin', () => {
    const p = file('test_set_insert_value_stdin.json', '{"a": 2, "b": "ba"}');
    ok(['encrypt', '-i', p]);
    ok(['set', '--value-stdin', p, '["c"]'], '{"cc": "ccc"}');
    isEnc(JSON.parse(read(p)).c.cc);
    assert.equal(JSON.parse(ok(['decrypt', p]).out).c.cc, 'ccc');
  });

  it('set_yaml_file_update', () => {
    const p = file('test_set_update.yaml', 'a: 2\nb: ba\n');
    ok(['encrypt', '-i', p]);
    ok(['set', p, '["a"]', '{"aa": "aaa"}']);
    isEnc(parseYaml(read(p)).a.aa);
    assert.equal(parseYaml(ok(['decrypt', p]).out).a.aa, 'aaa');
  });

  it('set_yaml_file_insert', () => {
    const p = file('test_set_insert.yaml', 'a: 2\nb: ba\n');
    ok(['encrypt', '-i', p]);
    ok(['set', p, '["c"]', '{"cc": "ccc"}']);
    isEnc(parseYaml(read(p)).c.cc);
    assert.deepEqual(parseYaml(ok(['decrypt', p]).out), { a: 2, b: 'ba', c: { cc: 'ccc' } });
  });

  it('set_yaml_file_string', () => {
    const p = file('test_set_string.yaml', 'a: 2\nb: ba\n');
    ok(['encrypt', '-i', p]);
    ok(['set', p, '["a"]', '"aaa"']);
    ok(['decrypt', '-i', p]);
    assert.equal(parseYaml(read(p)).a, 'aaa');
  });

  it('set_yaml_file_string_compat (-e -i, --set, -d -i)', () => {
    const p = file('test_set_string_compat.yaml', 'a: 2\nb: ba\n');
    ok(['-e', '-i', p]);
    isEnc(parseYaml(read(p)).a);
    ok(['--set', '["a"] "aaa"', '-i', p]);
    ok(['-d', '-i', p]);
    assert.equal(parseYaml(read(p)).a, 'aaa');
  });

  it('test_yaml_time', () => {
    const p = file('test_time.yaml', 'a: 2024-01-01\nb: 2006-01-02T15:04:05+07:06');
    ok(['encrypt', '-i', p]);
    ok(['decrypt', '-i', p]);
    assert.equal(read(p), 'a: 2024-01-01T00:00:00Z\nb: 2006-01-02T15:04:05+07:06\n');
  });

  const parsers: [string, (text: string) => { c: unknown[] }, string][] = [
    ['json', (t) => JSON.parse(t), '{"a": 2, "b": "ba", "c": [1, 2]}'],
    ['yaml', (t) => parseYaml(t), 'a: 2\nb: ba\nc:\n  - 1\n  - 2\n'],
  ];
  for (const [kind, parse, text] of parsers) {
    it(`unset_${kind}_file`, () => {
      const p = file(`test_unset.${kind}`, text);
      ok(['encrypt', '-i', p]);
      ok(['unset', p, '["a"]']);
      const data = parse(ok(['decrypt', p]).out);
      assert.ok(!('a' in data) && 'b' in data, JSON.stringify(data));
      // Again with --idempotent: the key is gone, nothing is written.
      let content = read(p);
      ok(['unset', '--idempotent', p, '["a"]']);
      assert.equal(read(p), content);
      // A list element (lib.rs removes [1] from the JSON list and [0] from the YAML one).
      ok(['unset', p, kind === 'json' ? '["c"][1]' : '["c"][0]']);
      assert.equal(parse(ok(['decrypt', p]).out).c.length, 1);
      content = read(p);
      ok(['unset', '--idempotent', p, '["c"][1]']);
      assert.equal(read(p), content);
    });
  }

  it('decrypt_file_no_mac', () => {
    const p = join(dir, 'res', 'no_mac.yaml');
    const r = sops(['decrypt', p]);
    assert.notEqual(r.code, 0, 'a file without a MAC decrypted without --ignore-mac');
    assert.doesNotMatch(r.out, /\S/);
    ok(['decrypt', '--ignore-mac', p]);
  });

  it('decrypt_from_stdin', () => {
    const out = ok(['decrypt', '--input-type', 'yaml', '--output-type', 'yaml'], readFileSync(join(dir, 'res', 'comments.enc.yaml'))).out;
    const doc = parseYaml(out);
    assert.equal(doc.sops, undefined);
    assert.equal(doc.lorem, 'ipsum');
    assert.equal(doc.dolor, 'sit');
  });

  it('encrypt_comments', () => {
    const out = ok(['encrypt', 'res/comments.yaml']).out;
    assert.doesNotMatch(out, /first comment in file/);
    assert.doesNotMatch(out, /this-is-a-comment/);
    assert.match(out, /^#ENC\[/m);
  });

  it('encrypt_comments_list', () => {
    const out = ok(['encrypt', 'res/comments_list.yaml']).out;
    assert.doesNotMatch(out, /this-is-a-comment/);
    assert.match(out, /#ENC\[/);
  });

  it('decrypt_comments', () => {
    const out = ok(['decrypt', 'res/comments.enc.yaml']).out;
    assert.match(out, /first comment in file/);
    assert.match(out, /this-is-a-comment/);
  });

  it('decrypt_comments_unencrypted_comments', () => {
    const out = ok(['decrypt', 'res/comments_unencrypted_comments.yaml']).out;
    assert.match(out, /first comment in file/);
    assert.match(out, /this-is-a-comment/);
  });

  it('roundtrip_shamir', () => {
    const p = file('test_roundtrip_keygroups.yaml', 'a: secret');
    ok(['encrypt', '-i', p]);
    const md = parseYaml(read(p)).sops;
    assert.equal(md.key_groups.length, 2);
    assert.match(ok(['decrypt', p]).out, /secret/);
  });

  it('roundtrip_shamir_missing_decryption_key', () => {
    const p = file('test_roundtrip_keygroups_missing_decryption_key.yaml', 'a: secret');
    ok(['encrypt', '-i', p]);
    const r = sops(['decrypt', p]);
    assert.notEqual(r.code, 0, 'decrypted with one of two Shamir groups');
    assert.doesNotMatch(r.out, /secret/);
  });

  it('test_decrypt_file_multiple_keys', () => {
    ok(['decrypt', join(dir, 'res', 'multiple_keys.yaml')]);
  });

  for (const name of ['test_no_keygroups', 'test_zero_keygroups', 'test_empty_keygroup']) {
    it(name, () => {
      const p = file(`${name}.yaml`, 'a: secret');
      const r = sops(['encrypt', '-i', p]);
      assert.notEqual(r.code, 0, 'encrypted without a key group');
      assert.equal(r.err, 'Could not generate data key: [empty key group provided]\n');
      assert.equal(read(p), 'a: secret', 'the file was changed');
    });
  }

  it('extract_string', () => {
    const p = file('test_extract_string.yaml', 'multiline: |\n  multi\n  line');
    ok(['encrypt', '-i', p]);
    assert.deepEqual(ok(['decrypt', '--extract', '["multiline"]', p]).stdout, Buffer.from('multi\nline'));
  });

  it('roundtrip_binary', () => {
    const data = Buffer.from('""{}this_is_binary_data');
    const p = file('test.binary', data);
    ok(['encrypt', '-i', p]);
    assert.notDeepEqual(readFileSync(p), data);
    assert.deepEqual(ok(['decrypt', p]).stdout, data);
  });

  it('output_flag', () => {
    const input = file('test_output_flag.binary', 'foo');
    const output = join(dir, 'output_flag.txt');
    const r = ok(['encrypt', '--output', output, input]);
    assert.equal(r.stdout.length, 0);
    assert.notEqual(read(output), '');
    assert.match(read(output), /"sops"/);
  });

  it('exec_env', () => {
    const p = file('test_exec_env.yaml', 'foo: bar\nbar: |-\n  baz\n  bam\n');
    ok(['encrypt', '-i', p]);
    const printFoo = file('print_foo.sh', '#!/bin/sh\nprintf "%s\\n" "${foo}"\n');
    const printBar = file('print_bar.sh', '#!/bin/sh\nprintf "%s\\n" "${bar}"\n');
    assert.equal(ok(['exec-env', p, `/bin/sh ${printFoo}`]).out, 'bar\n');
    assert.equal(ok(['exec-env', p, `/bin/sh ${printBar}`]).out, 'baz\nbam\n');
  });

  it('exec_file', () => {
    const p = file('test_exec_file.yaml', 'foo: bar\nbar: |-\n  baz\n  bam\n');
    ok(['-e', '-i', p]);
    assert.equal(ok(['exec-file', '--output-type', 'json', p, 'cat {}']).out, '{\n\t"foo": "bar",\n\t"bar": "baz\\nbam"\n}\n');
  });

  it('exec_file_filename', () => {
    const p = file('test_exec_file_filename.yaml', 'foo: bar\nbar: |-\n  baz\n  bam\n');
    ok(['-e', '-i', p]);
    const out = ok(['exec-file', '--no-fifo', '--filename', 'foobar', p, 'echo {}']).out;
    assert.ok(out.endsWith('foobar\n'), out);
  });

  it('decrypt_format', () => {
    assert.equal(ok(['decrypt', 'res/format.enc.yaml']).out, 'foo: bar\n');
    assert.equal(ok(['decrypt', 'res/format.enc.json']).out, '{\n\t"foo": "bar"\n}\n');
    assert.equal(ok(['decrypt', 'res/format.enc.env']).out, 'foo = bar\n');
    assert.equal(ok(['decrypt', 'res/format.enc.ini']).out, '[foo]\nbar = baz\n');
    assert.equal(ok(['decrypt', 'res/format-2.enc.ini']).out, '[foo]\nbar = baz\n');
  });

  it('(not counted) publish is refused as not supported, exit 1, nothing written', () => {
    const p = file('test_encrypt_publish_s3.json', '{"foo": 2}');
    ok(['encrypt', '-i', p]);
    const before = read(p);
    const r = sops(['publish', '--yes', p]);
    assert.equal(r.code, 1);
    assert.match(r.err, /^publish is not supported by this sops/);
    assert.equal(read(p), before);
  });
});
