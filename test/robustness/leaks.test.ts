// Part 7 of the robustness suite: where plaintext may be while helm runs. The other parts scan every failing case's
// stdout and stderr, helm's argv and environment and the temp roots (test/helpers/leakscan.ts); this part looks
// mid-run, and its root hook prints how much was scanned across the whole suite.
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptBytes } from '../../src/engine.js';
import { testEnv } from '../helpers/env.js';
import { dirsLeftBy, helmRecords, writeFakeHelm } from '../helpers/fakehelm.js';
import { assertNoLeak, assertNoLeakInTree, filesUnder, leakStats, secretsOf } from '../helpers/leakscan.js';
import { ROOT } from '../helpers/paths.js';
import { runCliAsync, sleep } from '../helpers/proc.js';

const AGE_RECIPIENT = 'age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju';
const CHART = join(ROOT, 'test/fixtures/chart');

after(() => {
  console.log(`      [robustness 7] leak scans over the whole suite: ${leakStats.texts} outputs/argv/environments and ${leakStats.files} files, no plaintext found`);
});

describe('robustness 7: no plaintext where it does not belong while helm runs', function () {
  this.timeout(60000);
  let dir: string;
  let file: string;
  let secrets: string[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hs-leaks-'));
    file = join(dir, 'secrets.yaml');
    const env = testEnv();
    const enc = await encryptBytes(Buffer.from('password: leak-probe-secret-1\n'), file, { env, flags: { keys: { age: [AGE_RECIPIENT] } } });
    writeFileSync(file, enc);
    secrets = await secretsOf(enc, file, { env });
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  for (const mode of ['fd', 'dir'] as const) {
    it(`${mode}: mid-run, plaintext only in the run's 0700 directory as 0600 files (fd: not even there), never in argv or environment`, async () => {
      const out = join(dir, `out-${mode}`);
      mkdirSync(out);
      const decDir = join(dir, `dec-${mode}`);
      const env = testEnv({
        HELM_SECRETS_HELM_PATH: writeFakeHelm(mkdtempSync(join(dir, 'bin-'))),
        FAKE_HELM_OUT: out,
        FAKE_HELM_SLEEP: '30',
        ...(mode === 'dir' ? { HELM_SECRETS_DEC_DIR: decDir } : { TMPDIR: decDir }),
      });
      mkdirSync(decDir);
      let snapshot: { dirs: string[]; modes: string[] } = { dirs: [], modes: [] };
      const r = await runCliAsync(['template', 'x', CHART, '-f', file], {
        env,
        onSpawn: (c) =>
          void (async () => {
            while (!helmRecords(out).some((h) => existsSync(join(h.dir, 'started')))) await sleep(10);
            const runDirs = dirsLeftBy(['/dev/shm', decDir], new Set([c.pid!]));
            snapshot = {
              dirs: runDirs,
              modes: runDirs.flatMap((d) => [`${(statSync(d).mode & 0o777).toString(8)}`, ...filesUnder(d).map((f) => (statSync(f).mode & 0o777).toString(8))]),
            };
            if (mode === 'fd') for (const d of runDirs) assertNoLeakInTree(d, secrets);
            c.kill('SIGTERM');
          })(),
      });
      assert.equal(r.code, 143, r.stderr);
      const [rec] = helmRecords(out);
      assertNoLeak(rec.cmdline, secrets, 'helm argv');
      assertNoLeak(rec.environ, secrets, 'helm environment');
      assertNoLeak(r.stdout, secrets, 'stdout');
      assertNoLeak(r.stderr, secrets, 'stderr');
      assert.ok(snapshot.dirs.length >= 1, 'the private directory existed while helm ran');
      assert.ok(snapshot.modes.every((m, i) => (i === 0 ? m === '700' : m === '700' || m === '600')), `modes ${snapshot.modes}`);
      for (const d of snapshot.dirs) assert.equal(existsSync(d), false, `${d} removed`);
    });
  }
});
