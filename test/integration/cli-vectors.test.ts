// The file commands on every real sops/helm-secrets vector, run as a user runs them (the built CLI in a child
// process): decryption with the MAC verified, plaintext twins reproduced, and sops's exit codes on failures.
import { strict as assert } from 'node:assert';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatFloatF } from '../../src/sops/gofmt.js';
import { runCli, testEnv } from '../helpers/env.js';
import { HS_VECTORS, SOPS_VECTORS } from '../helpers/paths.js';
import { requireTool } from '../helpers/tools.js';

import { ENCRYPTED_VECTORS } from '../helpers/vectors.js';

const HSV = join(HS_VECTORS, 'tests/assets/values/sops');


/**
 * Plaintext twins: decrypting the first must give the second. The helm-secrets fixtures end with one extra
 * blank line that sops's own output does not have, so trailing blank lines are not compared.
 */
const TWINS: [string, string][] = [
  [join(HSV, 'secrets.yaml'), join(HSV, 'secrets.dec.yaml')],
  [join(HSV, 'some-secrets.yaml'), join(HSV, 'some-secrets.dec.yaml')],
  [join(HSV, 'secrets.trailing-newline.raw'), join(HSV, 'secrets.trailing-newline.dec.raw')],
];

interface ExpectedLeaf {
  aad: string;
  type: string;
  plaintext: string;
}

/** Leaves of a JSON document in order, with sops's AAD and canonical plaintext bytes. */
function jsonLeaves(v: unknown, path: string[], out: { aad: string; plain: string }[]): void {
  if (Array.isArray(v)) {
    for (const x of v) jsonLeaves(x, path, out);
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) jsonLeaves(x, [...path, k], out);
  } else if (v !== null) {
    const aad = path.join(':') + ':';
    let plain: string;
    if (typeof v === 'boolean') plain = v ? 'True' : 'False';
    else if (typeof v === 'number') plain = Number.isInteger(v) ? String(v) : formatFloatF(v);
    else plain = String(v);
    out.push({ aad, plain });
  }
}

describe('file commands on the real vectors', function () {
  before(function () {
    requireTool(this, 'gpg');
  });

  for (const v of ENCRYPTED_VECTORS) {
    const name = v.file.slice(v.file.indexOf('vectors/') + 8);
    it(`decrypts ${name} with its MAC verified`, function () {
      const args = ['decrypt', ...(v.inputType ? ['--input-type', v.inputType] : []), v.file];
      const r = runCli(args);
      // Files from sops < 3.6 may carry clear comments; sops (and we) warn about those and go on.
      const errors = r.stderr.split('\n').filter((l) => l && !/Warning: .*unencrypted comment/.test(l));
      assert.deepEqual(errors, [], `stderr: ${r.stderr}`);
      assert.equal(r.code, 0);
      assert.ok(r.stdout.length > 0);
      assert.ok(!r.stdout.toString('utf8').includes('ENC[AES256_GCM'), 'no ENC value left in the output');
      if (!v.expected) return;
      const exp = JSON.parse(readFileSync(join(SOPS_VECTORS, 'expected', `${v.expected}.expected.json`), 'utf8'));
      if (exp.format === 'binary') {
        const leaf = (exp.leaves as ExpectedLeaf[])[0];
        assert.equal(r.stdout.toString('utf8'), leaf.plaintext);
        return;
      }
      // Compare every encrypted leaf (AAD and canonical plaintext) against the independent decryptor's results.
      const j = runCli(['decrypt', '--output-type', 'json', v.file]);
      assert.equal(j.code, 0, j.stderr);
      const got: { aad: string; plain: string }[] = [];
      jsonLeaves(JSON.parse(j.stdout.toString('utf8')), [], got);
      let at = 0;
      for (const leaf of exp.leaves as ExpectedLeaf[]) {
        while (at < got.length && !(got[at].aad === leaf.aad && got[at].plain === leaf.plaintext)) at++;
        assert.ok(at < got.length, `leaf ${leaf.aad} (${leaf.type}) not found in order in the decrypted output`);
        at++;
      }
    });
  }

  for (const [enc, dec] of TWINS) {
    it(`reproduces the plaintext twin of ${enc.slice(enc.lastIndexOf('/') + 1)} byte for byte`, function () {
      const r = runCli(['decrypt', enc]);
      assert.equal(r.code, 0, r.stderr);
      const want = readFileSync(dec, 'utf8');
      const got = r.stdout.toString('utf8');
      assert.equal(got.replace(/\n+$/, '\n'), want.replace(/\n+$/, '\n'));
      assert.ok(got.length >= want.trimEnd().length);
    });
  }

  it('view prints the same plaintext as decrypt', function () {
    const f = join(HSV, 'secrets.yaml');
    assert.equal(runCli(['view', f]).stdout.toString(), runCli(['decrypt', f]).stdout.toString());
    assert.match(runCli(['view', f]).stdout.toString(), /^global_secret: global_bar\n/);
  });

  it('decrypt --terraform prints {"content_base64": ...} of the plaintext for Terraform; one file, decrypt only', function () {
    const f = join(HSV, 'secrets.yaml');
    const plain = runCli(['decrypt', f]).stdout;
    const r = runCli(['decrypt', '--terraform', f]);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout.toString();
    assert.deepEqual(Object.keys(JSON.parse(out)), ['content_base64']);
    assert.deepEqual(Buffer.from(JSON.parse(out).content_base64, 'base64'), plain);
    assert.ok(!out.endsWith('\n'), 'printed without a newline, as helm-secrets does');
    // -i is ignored as in helm-secrets: the file stays encrypted.
    const tfDir = mkdtempSync(join(tmpdir(), 'hs-tf-'));
    const copy = join(tfDir, 'secrets.yaml');
    copyFileSync(f, copy);
    assert.equal(runCli(['decrypt', '-i', '--terraform', copy]).stdout.toString(), out);
    assert.deepEqual(readFileSync(copy), readFileSync(f));
    const two = runCli(['decrypt', '--terraform', f, f]);
    assert.equal(two.code, 8);
    assert.match(two.stderr, /--terraform takes exactly one input file/);
    const dec = runCli(['dec', '--terraform', copy]);
    assert.equal(dec.code, 8);
    assert.match(dec.stderr, /--terraform applies to decrypt only, not dec/);
    rmSync(tfDir, { recursive: true, force: true });
  });

  it('--extract prints one string leaf raw and a subtree in the file format', function () {
    const f = join(SOPS_VECTORS, 'example.yaml');
    const leaf = runCli(['decrypt', '--extract', '["app2"]["db"]["user"]', f]);
    assert.equal(leaf.code, 0, leaf.stderr);
    assert.equal(leaf.stdout.toString(), 'eve');
    const sub = runCli(['decrypt', '--extract', '["app2"]["db"]', f]);
    assert.equal(sub.code, 0, sub.stderr);
    assert.match(sub.stdout.toString(), /^user: eve\npassword: c4r1b0u\n/);
    const bad = runCli(['decrypt', '--extract', '["nope"]', f]);
    assert.equal(bad.code, 91);
  });
});

describe('file commands refuse bad input with sops exit codes and touch nothing', function () {
  let dir: string;
  before(function () {
    requireTool(this, 'gpg');
    dir = mkdtempSync(join(tmpdir(), 'hs-cli-bad-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function oneLine(stderr: string): void {
    const lines = stderr.trim().split('\n');
    assert.equal(lines.length, 1, `expected one line, got: ${stderr}`);
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  }

  it('no_mac.yaml is refused (51) unless --ignore-mac, which warns', function () {
    const f = join(SOPS_VECTORS, 'functional-tests/res/no_mac.yaml');
    const r = runCli(['decrypt', f]);
    assert.equal(r.code, 51);
    oneLine(r.stderr);
    assert.match(r.stderr, /no_mac\.yaml/);
    assert.match(r.stderr, /MAC/);
    assert.equal(r.stdout.length, 0, 'no plaintext printed');
    const ok = runCli(['decrypt', '--ignore-mac', f]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /MAC/);
    assert.ok(ok.stdout.length > 0);
  });

  it('plainfile.yaml gets a clear one-line error naming the file', function () {
    const f = join(SOPS_VECTORS, 'functional-tests/res/plainfile.yaml');
    const r = runCli(['decrypt', f]);
    assert.notEqual(r.code, 0);
    oneLine(r.stderr);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^\[helm-secrets\] File is not encrypted: .*plainfile\.yaml\n$/);
  });

  it('encrypting an encrypted file is refused as helm-secrets does (exit 1) and leaves it byte-identical', function () {
    const f = join(dir, 'secrets.yaml');
    copyFileSync(join(HSV, 'secrets.yaml'), f);
    const before = readFileSync(f);
    for (const cmd of [['enc', f], ['encrypt', '-i', f], ['encrypt', f]]) {
      const r = runCli([...cmd.slice(0, -1), '--age', 'age1je6kjhzuhdjy3fqptpttxjh5k8q46vygzlgtpuq3030c947pc5tqz9dqvr', f]);
      assert.equal(r.code, 1, `${cmd.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr, `[helm-secrets] Already encrypted: ${f}\n`);
      oneLine(r.stderr);
      assert.deepEqual(readFileSync(f), before);
    }
  });

  it('a file no available key opens exits 128 and lists every key tried', function () {
    const env = testEnv({ GNUPGHOME: join(dir, 'empty-gnupg'), SOPS_AGE_KEY_FILE: join(dir, 'none.txt') });
    const r = runCli(['decrypt', join(SOPS_VECTORS, 'example.yaml')], { env });
    assert.equal(r.code, 128);
    oneLine(r.stderr);
    assert.match(r.stderr, /FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4/);
    assert.match(r.stderr, /D7229043384BCC60326C6FB9D8720D957C3D3074/);
  });

  it('a tampered value, a tampered MAC and a malformed ENC value are refused without plaintext', function () {
    const src = readFileSync(join(HSV, 'secrets.yaml'), 'utf8');
    const cases: [string, string, number][] = [
      ['value', src.replace(/global_secret: ENC\[AES256_GCM,data:(.)/, (m, c) => m.slice(0, -1) + (c === 'A' ? 'B' : 'A')), 25],
      ['lastmodified', src.replace(/lastmodified: (['"])(\d{4})/, (m, _q, y) => m.replace(y, String(Number(y) - 1))), 51],
      ['malformed', src.replace(/global_secret: ENC\[AES256_GCM,data:[^,]*,/, 'global_secret: ENC[AES256_GCM,data:,'), 25],
    ];
    for (const [what, text, code] of cases) {
      assert.notEqual(text, src, `${what}: the test changed nothing`);
      const f = join(dir, `tampered-${what}.yaml`);
      writeFileSync(f, text);
      const r = runCli(['decrypt', f]);
      assert.equal(r.code, code, `${what}: ${r.stderr}`);
      oneLine(r.stderr);
      assert.equal(r.stdout.length, 0, `${what}: printed output`);
      assert.doesNotMatch(r.stderr, /global_bar/, `${what}: leaked a value`);
    }
  });

  it('broken YAML gets a one-line error naming the file', function () {
    const f = join(dir, 'broken.yaml');
    writeFileSync(f, 'a: [1, 2\nb: : :\n');
    const r = runCli(['encrypt', '--age', 'age1je6kjhzuhdjy3fqptpttxjh5k8q46vygzlgtpuq3030c947pc5tqz9dqvr', f]);
    assert.notEqual(r.code, 0);
    oneLine(r.stderr);
    assert.match(r.stderr, /broken\.yaml/);
  });

  it('a missing file exits 1 naming it, in helm-secrets\' words', function () {
    const r = runCli(['decrypt', join(dir, 'missing.yaml')]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `[helm-secrets] File does not exist: ${join(dir, 'missing.yaml')}\n`);
  });
});

describe('enc, dec and clean (helm-secrets 2 workflow)', function () {
  let dir: string;
  before(function () {
    requireTool(this, 'gpg');
    dir = mkdtempSync(join(tmpdir(), 'hs-cli-dec-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('dec writes FILE.dec 0600, enc re-encrypts it into FILE, clean removes it', function () {
    const f = join(dir, 'secrets.yaml');
    copyFileSync(join(HSV, 'secrets.yaml'), f);
    const r = runCli(['dec', f]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /PLAINTEXT/);
    const dec = `${f}.dec`;
    assert.equal(statSync(dec).mode & 0o777, 0o600);
    assert.equal(readFileSync(dec, 'utf8'), runCli(['decrypt', f]).stdout.toString());
    assert.match(readFileSync(dec, 'utf8'), /^global_secret: global_bar\n/);
    writeFileSync(dec, readFileSync(dec, 'utf8').replace('global_bar', 'global_changed'));
    const beforeEnc = readFileSync(f, 'utf8');
    const e = runCli(['enc', f]);
    assert.equal(e.code, 0, e.stderr);
    const afterEnc = readFileSync(f, 'utf8');
    assert.match(afterEnc, /global_secret: ENC\[AES256_GCM/);
    // Same master keys, and every value but the edited one keeps its ciphertext.
    const encLines = (t: string) => t.split('\n').filter((l) => l.includes('ENC[') && !l.includes('mac:'));
    const changed = encLines(afterEnc).filter((l) => !encLines(beforeEnc).includes(l));
    assert.equal(changed.length, 1, `changed: ${changed.join('\n')}`);
    assert.match(changed[0], /^global_secret: /);
    assert.equal(afterEnc.match(/fp: \w+/g)?.join(), beforeEnc.match(/fp: \w+/g)?.join());
    assert.doesNotMatch(readFileSync(f, 'utf8'), /global_changed/);
    assert.match(runCli(['view', f]).stdout.toString(), /global_secret: global_changed/);
    const c = runCli(['clean', dir]);
    assert.equal(c.code, 0, c.stderr);
    assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.dec')), []);
  });

  it('HELM_SECRETS_DEC_SUFFIX and HELM_SECRETS_DEC_PREFIX name the decrypted file', function () {
    const f = join(dir, 'other.yaml');
    copyFileSync(join(HSV, 'secrets.yaml'), f);
    const r = runCli(['dec', f], { env: testEnv({ HELM_SECRETS_DEC_SUFFIX: '.plain', HELM_SECRETS_DEC_PREFIX: 'x-' }) });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(readdirSync(dir).includes('x-other.yaml.plain'));
  });
});
