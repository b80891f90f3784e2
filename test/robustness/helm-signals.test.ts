// Parts 4 and 7 of the robustness suite: SIGINT, SIGTERM and SIGHUP at random moments of a wrapped helm run, helm
// killed, helm missing. Afterwards no plaintext is anywhere (temp roots, beside the inputs, helm's argv and
// environment, the wrapper's output) and the exit status says what happened.
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants as osc } from 'node:os';
import { encryptBytes } from '../../src/engine.js';
import { testEnv } from '../helpers/env.js';
import { dirsLeftBy, helmRecords, tempRoots, writeFakeHelm } from '../helpers/fakehelm.js';
import { assertNoLeak, assertNoLeakInTree, secretsOf } from '../helpers/leakscan.js';
import { ROOT } from '../helpers/paths.js';
import { runCliAsync, sleep, type ProcResult } from '../helpers/proc.js';

/** Signal runs per delivery mode and signal. */
const RUNS_PER_SIGNAL = 5;
const SEED = Number(process.env.ROBUSTNESS_SEED ?? Date.now() % 100000);
const AGE_RECIPIENT = 'age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju';
const CHART = join(ROOT, 'test/fixtures/chart');

const counts = { runs: 0, beforeHelm: 0, duringHelm: 0, helmKilled: 0, helmMissing: 0 };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('robustness 4: signals and crashes around helm leave no plaintext', function () {
  this.timeout(240000);
  let dir: string;
  let repo: string;
  let out: string;
  let helm: string;
  let secrets: string[];
  let files: string[];
  let baseEnv: NodeJS.ProcessEnv;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hs-signals-'));
    repo = join(dir, 'repo');
    out = join(dir, 'helm-out');
    mkdirSync(repo);
    mkdirSync(out);
    helm = writeFakeHelm(dir);
    const env = testEnv();
    files = [];
    secrets = [];
    for (const [name, text] of [
      ['secrets.yaml', 'db:\n    password: sig-secret-password-1\napi_token: sig-secret-token-2\n'],
      ['more.secrets.json', '{"tls": {"key": "sig-secret-tlskey-3"}, "list": ["sig-secret-item-4"]}'],
    ]) {
      const f = join(repo, name);
      const enc = await encryptBytes(Buffer.from(text), f, { env, flags: { keys: { age: [AGE_RECIPIENT] } } });
      writeFileSync(f, enc);
      files.push(f);
      secrets.push(...(await secretsOf(enc, f, { env })));
    }
    assert.equal(secrets.length, 4);
    baseEnv = testEnv({ HELM_SECRETS_HELM_PATH: helm, FAKE_HELM_OUT: out, XDG_RUNTIME_DIR: join(dir, 'xdg') });
    mkdirSync(baseEnv.XDG_RUNTIME_DIR!, { mode: 0o700 });
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(
      `      [robustness 4] seed ${SEED}: ${counts.runs} wrapper runs signalled (${counts.beforeHelm} before helm started, ${counts.duringHelm} while it ran), ` +
        `${counts.helmKilled} with helm killed, ${counts.helmMissing} with helm missing; every one left no plaintext`,
    );
  });

  const args = () => ['template', 'x', CHART, ...files.flatMap((f) => ['-f', f])];

  /** Everything a run may have touched, scanned for the secrets; and nothing of the run's may be left. */
  function assertClean(r: ProcResult, pid: number, env: NodeJS.ProcessEnv): void {
    assertNoLeak(r.stdout, secrets, 'wrapper stdout');
    assertNoLeak(r.stderr, secrets, 'wrapper stderr');
    const roots = tempRoots(env);
    assert.deepEqual(dirsLeftBy(roots, new Set([pid])), [], 'private directories left behind');
    for (const rec of helmRecords(out)) {
      assertNoLeak(rec.cmdline, secrets, 'helm argv');
      assertNoLeak(rec.environ, secrets, 'helm environment');
    }
    assertNoLeakInTree(repo, secrets);
    assert.deepEqual(readdirSync(repo).sort(), ['more.secrets.json', 'secrets.yaml'], 'nothing written beside the inputs');
    for (const root of [env.XDG_RUNTIME_DIR!, env.HELM_SECRETS_DEC_DIR].filter((x): x is string => !!x)) assertNoLeakInTree(root, secrets);
  }

  for (const mode of ['fd', 'dir'] as const) {
    it(`${mode}: SIGINT, SIGTERM and SIGHUP at random moments; helm's exit status or the signal is the result`, async () => {
      const env = { ...baseEnv, FAKE_HELM_SLEEP: '30', ...(mode === 'dir' ? { HELM_SECRETS_DECRYPT_SECRETS_IN_TMP_DIR: 'true' } : {}) };
      // How long until helm starts, so the signals fall before, around and after that moment.
      const t0 = Date.now();
      let startAt = 0;
      rmSync(out, { recursive: true, force: true });
      mkdirSync(out);
      const probe = runCliAsync(args(), {
        env,
        onSpawn: (c) =>
          void (async () => {
            while (!helmRecords(out).some((h) => existsSync(join(h.dir, 'started')))) await sleep(10);
            startAt = Date.now() - t0;
            c.kill('SIGTERM');
          })(),
      });
      const pr = await probe;
      assert.equal(pr.code, 128 + osc.signals.SIGTERM, pr.stderr);
      assert.equal(helmRecords(out)[0].sums.length, 2, 'helm read both decrypted files');
      let rnd = SEED >>> 0;
      for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
        for (let k = 0; k < RUNS_PER_SIGNAL; k++) {
          rnd = (rnd * 1103515245 + 12345) >>> 0;
          const at = Math.floor(startAt * (0.5 + 0.8 * ((rnd >>> 8) / 0x1000000)));
          rmSync(out, { recursive: true, force: true });
          mkdirSync(out);
          let pid = 0;
          const r = await runCliAsync(args(), { env, onSpawn: (c) => ((pid = c.pid!), void sleep(at).then(() => c.kill(sig))) });
          counts.runs++;
          const started = helmRecords(out).filter((h) => existsSync(join(h.dir, 'started')));
          if (started.length) counts.duringHelm++;
          else counts.beforeHelm++;
          // Either the wrapper died of the signal itself (before helm ran) or passed helm's death by it through.
          const n = osc.signals[sig];
          if (process.env.ROBUSTNESS_DEBUG) console.log(mode, sig, at, startAt, r.code, r.signal, started.length, JSON.stringify(r.stderr), dirsLeftBy(tempRoots(env), new Set([pid])));
          assert.ok(r.signal === sig || r.code === 128 + n, `${sig} at ${at}ms: exit ${r.code} signal ${r.signal}: ${r.stderr}`);
          // helm (the sleep it became) must not outlive the wrapper.
          for (const h of helmRecords(out)) {
            const hp = Number(h.dir.slice(h.dir.lastIndexOf('-') + 1));
            for (let i = 0; i < 100 && alive(hp); i++) await sleep(20);
            assert.equal(alive(hp), false, `helm ${hp} still running after ${sig}`);
          }
          assertClean(r, pid, env);
        }
      }
    });
  }

  it('helm killed (SIGKILL): exit 137, nothing left', async () => {
    for (const mode of ['fd', 'dir'] as const) {
      const env = { ...baseEnv, FAKE_HELM_SELF_KILL: '1', ...(mode === 'dir' ? { HELM_SECRETS_DEC_DIR: join(dir, 'decdir') } : {}) };
      let pid = 0;
      const r = await runCliAsync(args(), { env, onSpawn: (c) => (pid = c.pid!) });
      assert.equal(r.code, 128 + osc.signals.SIGKILL, r.stderr);
      assertClean(r, pid, env);
      if (env.HELM_SECRETS_DEC_DIR) assert.deepEqual(readdirSync(env.HELM_SECRETS_DEC_DIR), []);
      counts.helmKilled++;
    }
  });

  it('helm missing: exit 127, one line naming it, nothing left', async () => {
    for (const mode of ['fd', 'dir'] as const) {
      const env = { ...baseEnv, HELM_SECRETS_HELM_PATH: join(dir, 'no-such-helm'), ...(mode === 'dir' ? { HELM_SECRETS_DEC_DIR: join(dir, 'decdir2') } : {}) };
      let pid = 0;
      const r = await runCliAsync(args(), { env, onSpawn: (c) => (pid = c.pid!) });
      assert.equal(r.code, 127, r.stderr);
      assert.match(r.stderr, /no-such-helm/);
      assert.equal(r.stderr.trimEnd().split('\n').filter((l) => !/Decrypt/.test(l)).length, 1, r.stderr);
      assertClean(r, pid, env);
      if (env.HELM_SECRETS_DEC_DIR) assert.deepEqual(readdirSync(env.HELM_SECRETS_DEC_DIR), []);
      counts.helmMissing++;
    }
  });
});
