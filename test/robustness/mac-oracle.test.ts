// A MAC that does not match must not be printed: the computed MAC is SHA-512 over the plaintext values, so an
// attacker who deletes values and reads "computed X" can brute-force a short secret (a PIN) offline. Every place
// that reports a MAC failure (decrypt, the helm wrapper on helm 3 and 4, check, the git textconv driver) names the
// file and what to do, without any hash.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptBytes } from '../../src/engine.js';
import { testEnv } from '../helpers/env.js';
import { HELM, ROOT } from '../helpers/paths.js';
import { runCliAsync } from '../helpers/proc.js';

const AGE_RECIPIENT = 'age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju';
const CHART = join(ROOT, 'test/fixtures/chart');
/** Any run of hex long enough to be a digest (or a useful part of one). */
const HEXISH = /[0-9a-f]{24,}/i;

describe('robustness: MAC failures are not a plaintext oracle', function () {
  this.timeout(60000);
  let dir: string;
  let file: string;
  let env: NodeJS.ProcessEnv;
  /** SHA-512 over the one value left after the other was deleted: what the old message printed as "computed". */
  let oracle: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hs-mac-'));
    env = testEnv();
    file = join(dir, 'secrets.yaml');
    const enc = Buffer.from(await encryptBytes(Buffer.from('pin: "4821"\nother: some-other-secret\n'), file, { env, flags: { keys: { age: [AGE_RECIPIENT] } } })).toString();
    const tampered = enc.replace(/^other: ENC\[[^\n]*\n/m, '');
    assert.notEqual(tampered, enc);
    writeFileSync(file, tampered);
    oracle = createHash('sha512').update('4821').digest('hex');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function assertNoOracle(text: string, where: string): void {
    assert.doesNotMatch(text, HEXISH, `${where} prints a hash: ${text}`);
    assert.ok(!text.toLowerCase().includes(oracle.slice(0, 16)), `${where} prints the computed MAC`);
  }

  it('decrypt names the file, says what to do, and prints no hash', async () => {
    const r = await runCliAsync(['decrypt', file], { env });
    assert.equal(r.code, 51);
    assertNoOracle(r.stderr, 'decrypt');
    assert.match(r.stderr, /secrets\.yaml: MAC mismatch/);
    assert.match(r.stderr, /outside sops/);
    assert.match(r.stderr, /--ignore-mac/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  });

  for (const version of ['v3', 'v4'] as const) {
    it(`helm secrets template on helm ${version} prints no hash`, async function () {
      if (!existsSync(HELM[version])) {
        if (process.env.CI === 'true') throw new Error(`${HELM[version]} is missing`);
        this.skip();
      }
      const r = await runCliAsync(['template', 'rel', CHART, '-f', file], { env: { ...env, HELM_SECRETS_HELM_PATH: HELM[version] } });
      assert.notEqual(r.code, 0);
      assertNoOracle(r.stdout.toString() + r.stderr, `template (helm ${version})`);
      assert.match(r.stderr, /secrets\.yaml: MAC mismatch/);
    });
  }

  it('check reports the finding without a hash', async () => {
    const r = await runCliAsync(['check', file], { env, cwd: dir });
    assert.equal(r.code, 1);
    assertNoOracle(r.stdout.toString() + r.stderr, 'check');
    assert.match(r.stdout.toString(), /secrets\.yaml: mac: /);
  });

  it('the git textconv driver warns without a hash', async () => {
    const r = await runCliAsync(['git', 'textconv', file], { env, cwd: dir });
    assert.equal(r.code, 0);
    assertNoOracle(r.stderr, 'git textconv');
    assert.match(r.stderr, /secrets\.yaml: MAC mismatch/);
  });
});
