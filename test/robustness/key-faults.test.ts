// Part 6 of the robustness suite: the local Vault injects errors, throttling, slow and hanging responses while the
// built CLI and the helm wrapper decrypt files with mixed keys (Vault + age): every run ends within the configured
// bound, with the right key used or one clear error line, and no plaintext anywhere in the output.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeVault, type Behaviour, type FakeVault } from '../helpers/fake-vault.js';
import { testEnv } from '../helpers/env.js';
import { helmRecords, writeFakeHelm } from '../helpers/fakehelm.js';
import { assertNoLeak } from '../helpers/leakscan.js';
import { ROOT } from '../helpers/paths.js';
import { runCliAsync, runCliBounded, type ProcResult } from '../helpers/proc.js';

const AGE_RECIPIENT = 'age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju';
const PLAIN = 'db:\n    password: vault-fault-secret-1\ntoken: vault-fault-secret-2\n';
const SECRETS = ['vault-fault-secret-1', 'vault-fault-secret-2'];
const TIMEOUT_S = 1;
const ATTEMPTS = 2;
/** The configured bound: every attempt timing out, the backoff between them, and process start-up. */
const BOUND_MS = ATTEMPTS * TIMEOUT_S * 1000 + 2000 + 8000;
const CHART = join(ROOT, 'test/fixtures/chart');

const counts = { runs: 0, viaVault: 0, viaAge: 0, clearErrors: 0 };

describe('robustness 6: key-service faults at the CLI, with mixed keys', function () {
  this.timeout(180000);
  let vault: FakeVault;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let mixed: string;
  let vaultOnly: string;
  let keyUri: string;

  before(async () => {
    vault = await startFakeVault();
    dir = mkdtempSync(join(tmpdir(), 'hs-keyfaults-'));
    keyUri = `${vault.address}/v1/transit/keys/robust`;
    env = testEnv({
      VAULT_TOKEN: vault.token,
      HELM_SECRETS_KEY_SERVICE_TIMEOUT: `${TIMEOUT_S}s`,
      HELM_SECRETS_KEY_SERVICE_ATTEMPTS: String(ATTEMPTS),
      SOPS_DECRYPTION_ORDER: 'hc_vault,age',
    });
    mixed = join(dir, 'mixed.yaml');
    vaultOnly = join(dir, 'vault.yaml');
    writeFileSync(mixed, PLAIN);
    writeFileSync(vaultOnly, PLAIN);
    for (const [f, keys] of [
      [mixed, ['--hc-vault-transit', keyUri, '--age', AGE_RECIPIENT]],
      [vaultOnly, ['--hc-vault-transit', keyUri]],
    ] as const) {
      const r = await runCliAsync(['encrypt', '-i', ...keys, f], { env });
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(async () => {
    await vault?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(
      `      [robustness 6] ${counts.runs} CLI/wrapper runs against a faulty Vault (timeout ${TIMEOUT_S}s, ${ATTEMPTS} attempts): ` +
        `${counts.viaVault} decrypted through Vault, ${counts.viaAge} fell back to age, ${counts.clearErrors} clear one-line errors; all within ${BOUND_MS} ms`,
    );
  });

  /** Runs the CLI with the Vault behaving as told; a run past the bound is killed and fails the test. */
  async function decryptWith(file: string, plan: Behaviour[], fallback: Behaviour): Promise<ProcResult & { calls: number }> {
    vault.plan = [...plan];
    vault.fallback = fallback;
    const before = vault.calls.length;
    const r = await runCliBounded(['decrypt', file], env, BOUND_MS);
    vault.fallback = 'ok';
    counts.runs++;
    assertNoLeak(r.stderr, SECRETS, 'stderr');
    return { ...r, calls: vault.calls.length - before };
  }

  function succeeded(r: ProcResult): void {
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString('utf8'), PLAIN);
  }

  function clearError(r: ProcResult): void {
    assert.equal(r.code, 128, r.stderr);
    assert.equal(r.stdout.length, 0);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^\[helm-secrets\] Error: .*hc_vault/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    counts.clearErrors++;
  }

  it('Vault hangs: the mixed file decrypts with age once the attempts time out; the Vault-only file fails clearly', async () => {
    const a = await decryptWith(mixed, [], 'hang');
    succeeded(a);
    assert.equal(a.calls, ATTEMPTS, 'each attempt went to Vault first');
    counts.viaAge++;
    clearError(await decryptWith(vaultOnly, [], 'hang'));
  });

  it('Vault throttles, then answers: retried, decrypted through Vault', async () => {
    const r = await decryptWith(vaultOnly, ['throttle'], 'ok');
    succeeded(r);
    assert.equal(r.calls, 2);
    counts.viaVault++;
  });

  it('Vault throttles or is sealed on every attempt: age for the mixed file, a clear error for the other', async () => {
    for (const b of ['throttle', 'unavailable'] as const) {
      const m = await decryptWith(mixed, [], b);
      succeeded(m);
      assert.equal(m.calls, ATTEMPTS);
      counts.viaAge++;
      clearError(await decryptWith(vaultOnly, [], b));
    }
  });

  it('Vault denies: no retry, age is used; without age, a clear error', async () => {
    const m = await decryptWith(mixed, [], 'denied');
    succeeded(m);
    assert.equal(m.calls, 1, 'a denial is not retried');
    counts.viaAge++;
    const v = await decryptWith(vaultOnly, [], 'denied');
    clearError(v);
    assert.match(v.stderr, /permission denied/);
  });

  it('Vault slow but within the timeout: decrypted through Vault on the first attempt', async () => {
    const r = await decryptWith(vaultOnly, [{ delayMs: 300 }], 'ok');
    succeeded(r);
    assert.equal(r.calls, 1);
    counts.viaVault++;
  });

  it('Vault hangs once, then answers: the retry decrypts through Vault', async () => {
    const r = await decryptWith(vaultOnly, ['hang'], 'ok');
    succeeded(r);
    assert.equal(r.calls, 2);
    counts.viaVault++;
  });

  it('through the helm wrapper: Vault hanging, helm gets the right plaintext via age; Vault-only fails before helm runs', async () => {
    const out = join(dir, 'helm-out');
    mkdirSync(out, { recursive: true });
    const helm = writeFakeHelm(dir);
    const wenv = { ...env, HELM_SECRETS_HELM_PATH: helm, FAKE_HELM_OUT: out };
    vault.fallback = 'hang';
    try {
      const ok = await runCliAsync(['template', 'x', CHART, '-f', mixed], { env: wenv });
      assert.equal(ok.code, 0, ok.stderr);
      const [rec] = helmRecords(out);
      assert.deepEqual(rec.sums, [createHash('sha256').update(PLAIN).digest('hex')]);
      assertNoLeak(ok.stderr + ok.stdout.toString('utf8') + rec.cmdline + rec.environ, SECRETS, 'wrapper run');
      counts.viaAge++;
      rmSync(out, { recursive: true });
      mkdirSync(out);
      const bad = await runCliAsync(['template', 'x', CHART, '-f', vaultOnly], { env: wenv });
      assert.equal(bad.code, 128, bad.stderr);
      assert.match(bad.stderr, /hc_vault/);
      assert.equal(helmRecords(out).length, 0, 'helm ran without its values');
      assertNoLeak(bad.stderr, SECRETS, 'wrapper stderr');
      counts.clearErrors++;
      counts.runs += 2;
    } finally {
      vault.fallback = 'ok';
    }
  });
});
