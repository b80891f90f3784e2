// Decompression bombs in a `pgp` key entry: a compressed OpenPGP message of about 1 KB that expands to hundreds of
// MB. Unencrypted (gpg --store, no key needed) it reaches gpg; encrypted to the user's public key (anyone can) it
// also reaches the openpgp.js fallback. A data key is 32 bytes (a Shamir share 33): reading stops at a small cap,
// gpg is killed, and that key fails with a clear error. Each run is bounded and prints its time and peak memory.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptBytes } from '../../src/engine.js';
import { testEnv, testKeys } from '../helpers/env.js';
import { runCliMeasured } from '../helpers/measure.js';
import { SOPS_VECTORS } from '../helpers/paths.js';
import { requireTool } from '../helpers/tools.js';

const FP = 'FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4';
const KEY_FILE = join(SOPS_VECTORS, 'pgp', 'sops_functional_tests_key.asc');
/** What the bomb expands to. */
const EXPANDED = 300 * 1000 * 1000;
/** Far below the expansion: a run that buffered it would exceed this. */
const MAX_RSS_MB = 200;
const BOUND_MS = 60000;

describe('robustness: decompression bombs in pgp entries', function () {
  this.timeout(180000);
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let good: Record<string, unknown>;

  /** `gpg ARGS` over EXPANDED zero bytes, armored, at the best compression. */
  function bomb(args: string[]): string {
    const r = spawnSync('sh', ['-c', `head -c ${EXPANDED} /dev/zero | gpg --batch --quiet -a -z 9 --compress-algo bzip2 ${args.join(' ')}`], {
      env,
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  }

  /** The good file with its one pgp entry's enc replaced. */
  function withEnc(name: string, enc: string): string {
    const doc = structuredClone(good) as { sops: { pgp: Array<{ enc: string }> } };
    doc.sops.pgp[0]!.enc = enc;
    const f = join(dir, name);
    writeFileSync(f, JSON.stringify(doc, null, 2));
    return f;
  }

  before(async function () {
    requireTool(this, 'gpg');
    dir = mkdtempSync(join(tmpdir(), 'hs-pgpbomb-'));
    env = testEnv({ GNUPGHOME: testKeys().gnupg, SOPS_AGE_KEY_FILE: join(dir, 'none.txt') });
    const f = join(dir, 'good.json');
    good = JSON.parse(Buffer.from(await encryptBytes(Buffer.from('{"a": "secret"}'), f, { env, flags: { keys: { pgp: [FP] } } })).toString());
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('gpg: an unencrypted compressed message is cut off at the cap, without a key', async () => {
    const enc = bomb(['--store']);
    console.log(`      bomb (gpg --store): ${enc.length} bytes armored, ${EXPANDED / 1e6} MB expanded`);
    assert.ok(enc.length < 4096);
    const f = withEnc('store.json', enc);
    const r = await runCliMeasured('decrypt, gpg --store bomb', ['decrypt', f], { env, boundMs: BOUND_MS });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /more than 1024 bytes/);
    assert.match(r.stderr, /store\.json/);
    assert.ok(r.maxRssKb / 1024 < MAX_RSS_MB, `peak RSS ${r.maxRssKb} KB`);
  });

  it('gpg: a bomb encrypted to the user\'s key is cut off at the cap', async () => {
    const enc = bomb(['--trust-model', 'always', '-e', '-r', FP]);
    const f = withEnc('encrypted.json', enc);
    const r = await runCliMeasured('decrypt, gpg -e bomb', ['decrypt', f], { env, boundMs: BOUND_MS });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /more than 1024 bytes/);
    assert.ok(r.maxRssKb / 1024 < MAX_RSS_MB, `peak RSS ${r.maxRssKb} KB`);
  });

  it('openpgp.js fallback: the same bomb is cut off at the cap', async () => {
    const enc = bomb(['--trust-model', 'always', '-e', '-r', FP]);
    const f = withEnc('openpgp.json', enc);
    const noGpg = { ...env, SOPS_GPG_EXEC: join(dir, 'no-gpg'), SOPS_PGP_KEY_FILE: KEY_FILE };
    const r = await runCliMeasured('decrypt, openpgp.js bomb', ['decrypt', f], { env: noGpg, boundMs: BOUND_MS });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /more than 1024 bytes/);
    assert.ok(r.maxRssKb / 1024 < MAX_RSS_MB, `peak RSS ${r.maxRssKb} KB`);
  });

  it('a normal file still decrypts through gpg and through openpgp.js', async () => {
    const f = join(dir, 'good.json');
    writeFileSync(f, JSON.stringify(good));
    const a = await runCliMeasured('decrypt, normal pgp file (gpg)', ['decrypt', f], { env, boundMs: BOUND_MS });
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout.toString(), /"a": "secret"/);
    const b = await runCliMeasured('decrypt, normal pgp file (openpgp.js)', ['decrypt', f], {
      env: { ...env, SOPS_GPG_EXEC: join(dir, 'no-gpg'), SOPS_PGP_KEY_FILE: KEY_FILE },
      boundMs: BOUND_MS,
    });
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stdout.toString(), /"a": "secret"/);
  });
});
