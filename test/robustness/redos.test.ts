// Regular-expression denial of service: an ENC[...] value crafted to make sops's regex backtrack (O(n^4)), and
// patterns from a file (`encrypted_regex`, `.sops.yaml` path_regex) written to backtrack exponentially, must not
// stall decrypt or check. Each run is bounded (killed past the bound) and prints its time and peak memory.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptBytes } from '../../src/engine.js';
import { parseEnc } from '../../src/sops/cipher.js';
import { goRegex } from '../../src/sops/goregex.js';
import { testEnv } from '../helpers/env.js';
import { runCliMeasured } from '../helpers/measure.js';

const AGE_RECIPIENT = 'age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju';
/** The old parser took ~19 s on this (6.4 KB); a fixed one answers in microseconds. */
const BOGUS_ENC = 'ENC[AES256_GCM,data:' + ',iv:,tag:,type:x'.repeat(400);
/** A CLI start plus the work; the process is killed past BOUND_MS. */
const WALL_MS = 3000;
const BOUND_MS = 15000;

describe('robustness: no regex denial of service', function () {
  this.timeout(60000);
  let dir: string;
  let env: NodeJS.ProcessEnv;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hs-redos-'));
    env = testEnv();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('parses a 6 KB bogus ENC value in linear time', () => {
    const t0 = performance.now();
    assert.equal(parseEnc(BOGUS_ENC), null);
    const ms = performance.now() - t0;
    console.log(`      parseEnc on ${BOGUS_ENC.length} bytes: ${ms.toFixed(2)} ms`);
    assert.ok(ms < 100, `took ${ms} ms`);
  });

  it('decrypt and check of a file with a 6 KB bogus ENC value end fast with an error, without a key', async () => {
    const f = join(dir, 'bogus.yaml');
    const enc = Buffer.from(await encryptBytes(Buffer.from('a: one\nb: two\n'), f, { env, flags: { keys: { age: [AGE_RECIPIENT] } } })).toString();
    writeFileSync(f, enc.replace(/^b: ENC\[[^\n]*$/m, `b: ${BOGUS_ENC}`));
    const noKey = testEnv({ SOPS_AGE_KEY_FILE: join(dir, 'none.txt') });
    const dec = await runCliMeasured('decrypt, bogus ENC, no key', ['decrypt', f], { env: noKey, boundMs: BOUND_MS });
    assert.notEqual(dec.code, 0);
    assert.ok(dec.ms < WALL_MS, `decrypt took ${dec.ms} ms`);
    const withKey = await runCliMeasured('decrypt, bogus ENC, with key', ['decrypt', f], { env, boundMs: BOUND_MS });
    assert.notEqual(withKey.code, 0);
    assert.match(withKey.stderr, /bogus\.yaml/);
    assert.ok(withKey.ms < WALL_MS, `decrypt took ${withKey.ms} ms`);
    const chk = await runCliMeasured('check, bogus ENC, no key', ['check', f], { env: noKey, boundMs: BOUND_MS, cwd: dir });
    assert.ok(chk.ms < WALL_MS, `check took ${chk.ms} ms`);
  });

  it('a file whose encrypted_regex is ^(a+)+$ decrypts and checks fast against a 30-character key', async () => {
    const f = join(dir, 'evil-rule.yaml');
    const key = 'a'.repeat(30) + '!';
    const enc = Buffer.from(
      await encryptBytes(Buffer.from(`${key}: clear\nsecret: hidden\n`), f, { env, flags: { keys: { age: [AGE_RECIPIENT] }, rule: { kind: 'encrypted_regex', value: '^secret$' } } }),
    ).toString();
    // The rule is not covered by the MAC: an attacker can change it in place.
    const evil = enc.replace('encrypted_regex: ^secret$', 'encrypted_regex: ^(a+)+$');
    assert.notEqual(evil, enc);
    writeFileSync(f, evil);
    const dec = await runCliMeasured('decrypt, encrypted_regex ^(a+)+$', ['decrypt', f], { env, boundMs: BOUND_MS });
    assert.ok(dec.ms < WALL_MS, `decrypt took ${dec.ms} ms`);
    const chk = await runCliMeasured('check, encrypted_regex ^(a+)+$', ['check', f], { env, boundMs: BOUND_MS, cwd: dir });
    assert.ok(chk.ms < WALL_MS, `check took ${chk.ms} ms`);
    // With its rule changed the file no longer says which value must be encrypted: check reports something.
    assert.match(chk.stdout.toString() + chk.stderr, /evil-rule\.yaml/);
  });

  it('check with a .sops.yaml path_regex ^(a+)+$ and a long file name ends fast', async () => {
    const repo = mkdtempSync(join(dir, 'repo-'));
    writeFileSync(join(repo, '.sops.yaml'), `creation_rules:\n  - path_regex: ^(a+)+$\n    age: ${AGE_RECIPIENT}\n`);
    writeFileSync(join(repo, 'a'.repeat(34) + '.yaml'), 'x: 1\n');
    const chk = await runCliMeasured('check, path_regex ^(a+)+$', ['check', '.'], { env, boundMs: BOUND_MS, cwd: repo });
    assert.equal(chk.code, 0, chk.stdout.toString() + chk.stderr);
    assert.ok(chk.ms < WALL_MS, `check took ${chk.ms} ms`);
  });

  it('goRegex matches ^(a+)+$ against a long non-matching key in linear time', () => {
    const re = goRegex('^(a+)+$')!;
    const t0 = performance.now();
    assert.equal(re.test('a'.repeat(30) + '!'), false);
    assert.equal(re.test('a'.repeat(100000) + '!'), false);
    const ms = performance.now() - t0;
    console.log(`      ^(a+)+$ on 100 KB: ${ms.toFixed(1)} ms`);
    assert.ok(ms < 1000, `took ${ms} ms`);
  });
});
