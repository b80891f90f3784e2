// Issue 14, item 14: a file name is data, not a message. Names with a newline, a carriage return, an escape
// sequence, U+0085, U+2028 or U+2029 are printed escaped, so they can neither forge a `[helm-secrets] ...` line nor
// rewrite the terminal: file commands, the path guards and the wrapper (real helm 3.18 and 4.1.4).
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptBytes } from '../../src/engine.js';
import { testEnv } from '../helpers/env.js';
import { HELM, ROOT } from '../helpers/paths.js';
import { runCliBounded } from '../helpers/proc.js';

const AGE = 'age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju';
const CHART = join(ROOT, 'test/fixtures/chart');
const FORGED = '[helm-secrets] Decrypt: forged-line';
/** Characters that end a line or move the cursor somewhere: each one is tried in a name. */
const BREAKERS: [string, string][] = [
  ['newline', '\n'],
  ['carriage return', '\r'],
  ['escape sequence', '\x1b[2K\r'],
  ['U+0085', '\u0085'],
  ['U+2028', '\u2028'],
  ['U+2029', '\u2029'],
];
const RAW = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** stderr must be exactly `lines` lines, none of them holding a raw control character, none starting with the forged text. */
function assertClean(stderr: string, lines: number, what: string): void {
  const body = stderr.endsWith('\n') ? stderr.slice(0, -1) : stderr;
  const parts = body.split('\n');
  assert.equal(parts.length, lines, `${what}: ${JSON.stringify(stderr)}`);
  for (const p of parts) {
    assert.doesNotMatch(p, RAW, `${what}: raw control character in ${JSON.stringify(p)}`);
    assert.ok(!p.startsWith(FORGED), `${what}: forged line`);
  }
}

describe('issue 14 item 14: control characters in names are escaped in every message', function () {
  this.timeout(120000);
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let checked = 0;
  let t0 = Date.now();

  before(() => {
    t0 = Date.now();
    dir = mkdtempSync(join(tmpdir(), 'hs-forge-'));
    env = testEnv();
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`      [issue14 item 14] ${checked} runs with hostile names checked, ${Date.now() - t0} ms`);
  });

  for (const [what, ch] of BREAKERS) {
    it(`${what}: file commands (missing file, enc, decrypt) print one escaped line`, async () => {
      const name = join(dir, `a${ch}${FORGED}.yaml`);
      const missing = await runCliBounded(['decrypt', name], env, 10000);
      assert.equal(missing.code, 1);
      assertClean(missing.stderr, 1, 'missing file');
      writeFileSync(name, 'k: forge-secret-value\n');
      // enc names the file it encrypted (encrypt -i is silent on success, as helm-secrets' is).
      const enc = await runCliBounded(['enc', '--age', AGE, name], env, 10000);
      assert.equal(enc.code, 0, enc.stderr);
      assertClean(enc.stderr, 1, 'enc');
      assert.match(enc.stderr, /Encrypted .*a\\(n|r|x1b|x85|u2028|u2029)/);
      checked += 2;
    });
  }

  for (const version of ['v3', 'v4'] as const) {
    it(`helm ${version} wrapper: Decrypt lines, guard errors and missing files are escaped`, async function () {
      if (!existsSync(HELM[version])) this.skip();
      const henv = testEnv({ HELM_SECRETS_HELM_PATH: HELM[version] });
      for (const [what, ch] of BREAKERS) {
        const name = join(dir, `w-${version}${ch}${FORGED}.yaml`);
        writeFileSync(name, await encryptBytes(Buffer.from('global_secret: forge-wrapper\n'), join(dir, 'x.yaml'), { env, flags: { keys: { age: [AGE] } } }));
        const ok = await runCliBounded(['template', 'x', CHART, '-f', name], henv, 30000);
        assert.equal(ok.code, 0, ok.stderr);
        assertClean(ok.stderr, 1, `${what}: Decrypt line`);
        const guarded = await runCliBounded(['template', 'x', CHART, '-f', name], { ...henv, HELM_SECRETS_VALUES_ALLOW_ABSOLUTE_PATH: 'false' }, 30000);
        assert.notEqual(guarded.code, 0);
        assertClean(guarded.stderr, 1, `${what}: guard error`);
        const missing = await runCliBounded(['template', 'x', CHART, '-f', name + '.missing'], henv, 30000);
        assert.notEqual(missing.code, 0);
        assertClean(missing.stderr, 1, `${what}: missing file`);
        checked += 3;
      }
    });
  }
});
