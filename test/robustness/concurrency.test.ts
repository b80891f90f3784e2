// Part 5 of the robustness suite: 20 wrapper runs at once on the same encrypted files and one shared temp root;
// every run succeeds, helm reads exactly the right plaintext (by hash), no two runs collide, nothing is left.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decryptBytes, encryptBytes } from '../../src/engine.js';
import { testEnv } from '../helpers/env.js';
import { dirsLeftBy, helmRecords, tempRoots, writeFakeHelm } from '../helpers/fakehelm.js';
import { assertNoLeak, assertNoLeakInTree, secretsOf } from '../helpers/leakscan.js';
import { ROOT } from '../helpers/paths.js';
import { runCliAsync } from '../helpers/proc.js';

const RUNS = 20;
const AGE_RECIPIENT = 'age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju';
const CHART = join(ROOT, 'test/fixtures/chart');

const counts: Record<string, number> = {};

describe('robustness 5: 20 concurrent wrapper runs on the same files and temp root', function () {
  this.timeout(180000);
  let dir: string;
  let repo: string;
  let files: string[];
  let sums: string[];
  let secrets: string[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hs-concurrent-'));
    repo = join(dir, 'repo');
    mkdirSync(repo);
    const env = testEnv();
    files = [];
    sums = [];
    secrets = [];
    for (const [name, text] of [
      ['a.secrets.yaml', 'password: conc-secret-alpha-1\nnested:\n    token: conc-secret-beta-2\n'],
      ['b.secrets.yaml', 'other: conc-secret-gamma-3\n'],
      ['c.secrets.json', '{"k": "conc-secret-delta-4"}'],
    ]) {
      const f = join(repo, name);
      const enc = await encryptBytes(Buffer.from(text), f, { env, flags: { keys: { age: [AGE_RECIPIENT] } } });
      writeFileSync(f, enc);
      files.push(f);
      sums.push(createHash('sha256').update(await decryptBytes(enc, f, { env })).digest('hex'));
      secrets.push(...(await secretsOf(enc, f, { env })));
    }
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`      [robustness 5] concurrent wrapper runs that all succeeded with the right plaintext and left nothing: ${JSON.stringify(counts)}`);
  });

  const cases: [string, (d: string) => Record<string, string>][] = [
    ['fd, shared TMPDIR', (d) => ({ TMPDIR: d })],
    ['dir, shared HELM_SECRETS_DEC_DIR', (d) => ({ HELM_SECRETS_DEC_DIR: d })],
    ['dir, shared TMPDIR and XDG_RUNTIME_DIR', (d) => ({ TMPDIR: d, XDG_RUNTIME_DIR: d, HELM_SECRETS_DECRYPT_SECRETS_IN_TMP_DIR: 'true' })],
  ];
  for (const [name, extra] of cases) {
    it(`${RUNS} at once: ${name}`, async () => {
      const shared = mkdtempSync(join(dir, 'shared-'));
      const out = mkdtempSync(join(dir, 'out-'));
      const helm = writeFakeHelm(mkdtempSync(join(dir, 'bin-')));
      const env = testEnv({ HELM_SECRETS_HELM_PATH: helm, FAKE_HELM_OUT: out, ...extra(shared) });
      const pids = new Set<number>();
      // Each run names the files in a different order, so a mix-up between files shows in the hashes.
      const results = await Promise.all(
        Array.from({ length: RUNS }, (_, i) => {
          const order = [i % 3, (i + 1) % 3, (i + 2) % 3];
          return runCliAsync(['template', `r${i}`, CHART, ...order.flatMap((j) => ['-f', files[j]]), '--set', `run=${i}`], {
            env,
            onSpawn: (c) => void pids.add(c.pid!),
          }).then((r) => ({ r, order }));
        }),
      );
      for (const { r } of results) {
        assert.equal(r.code, 0, r.stderr);
        assertNoLeak(r.stdout, secrets, 'wrapper stdout');
        assertNoLeak(r.stderr, secrets, 'wrapper stderr');
      }
      const records = helmRecords(out);
      assert.equal(records.length, RUNS);
      for (const rec of records) {
        const run = Number(/run=(\d+)/.exec(rec.cmdline)![1]);
        const { order } = results[run];
        assert.deepEqual(rec.sums, order.map((j) => sums[j]), `run ${run}: helm read the wrong plaintext`);
        assertNoLeak(rec.cmdline, secrets, 'helm argv');
        assertNoLeak(rec.environ, secrets, 'helm environment');
      }
      assert.deepEqual(readdirSync(shared), [], 'the shared temp root is empty again');
      assert.deepEqual(dirsLeftBy(tempRoots(env), pids), []);
      assertNoLeakInTree(repo, secrets);
      assert.equal(readdirSync(repo).length, 3, 'nothing written beside the inputs');
      counts[name] = RUNS;
    });
  }
});
