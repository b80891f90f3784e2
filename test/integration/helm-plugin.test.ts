// Both plugins installed by `helm plugin install` into a temp helm home, on helm 3.18 and 4.1.4: the wrapper and
// the getter render the sops vectors, install against a fake API, and leave no plaintext anywhere.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HELM, HS_VECTORS, ROOT } from '../helpers/paths.js';
import { testEnv } from '../helpers/env.js';
import { startFakeKube, type FakeKube } from '../helpers/fake-kube.js';
import { dirsLeftBy } from '../helpers/fakehelm.js';
import { runText as run } from '../helpers/proc.js';

const SOPS_DIR = join(HS_VECTORS, 'tests/assets/values/sops');
const PGP_FILE = join(SOPS_DIR, 'secrets.yaml');
const AGE_FILE = join(SOPS_DIR, 'secrets.age.yaml');
const AGE_KEY = join(HS_VECTORS, 'tests/assets/age/key.txt');
const CHART = join(ROOT, 'test/fixtures/chart');

/** helm-secrets-* private dirs whose lock names `pid` (there must be none once that run is over). */
const dirsOf = (pid: number): string[] => dirsLeftBy(['/dev/shm', tmpdir()], new Set([pid]));

/** A temp root with a private dir whose lock names a process that has exited (stale) and one of a live process. */
async function staleAndLive(prefix: string): Promise<{ root: string; stale: string; live: string }> {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const stale = join(root, 'helm-secrets-dead');
  mkdirSync(stale, { mode: 0o700 });
  const dead = spawn('true');
  await new Promise((r) => dead.on('close', r));
  writeFileSync(join(stale, '.helm-secrets.lock'), JSON.stringify({ pid: dead.pid, start: null }));
  writeFileSync(join(stale, 'v-0'), 'global_secret: left-by-a-killed-run\n');
  const live = join(root, 'helm-secrets-live');
  mkdirSync(live, { mode: 0o700 });
  writeFileSync(join(live, '.helm-secrets.lock'), JSON.stringify({ pid: process.pid, start: null }));
  return { root, stale, live };
}

function noDecryptedBesideInputs(): void {
  const left = readdirSync(SOPS_DIR).filter((n) => n.endsWith('.dec') || n.includes('.dec.') && !/^(secrets|some-secrets)\.dec\.yaml$|trailing-newline\.dec\.raw$/.test(n));
  assert.deepEqual(left, []);
}

for (const version of ['v3', 'v4'] as const) {
  describe(`helm ${version} with both plugins installed`, function () {
    this.timeout(120000);
    const helm = HELM[version];
    let home: string;
    let env: NodeJS.ProcessEnv;
    let kube: FakeKube;
    let installOutput = '';

    before(async function () {
      if (!existsSync(helm)) {
        if (process.env.CI === 'true') throw new Error(`${helm} is missing: npm ci extracts it (CI must not skip)`);
        this.skip();
      }
      home = mkdtempSync(join(tmpdir(), `hs-helm-${version}-`));
      env = testEnv({
        HELM_DATA_HOME: join(home, 'data'),
        HELM_CONFIG_HOME: join(home, 'config'),
        HELM_CACHE_HOME: join(home, 'cache'),
        SOPS_AGE_KEY_FILE: AGE_KEY,
      });
      delete env.HELM_PLUGINS;
      for (const dir of [ROOT, join(ROOT, 'plugins/helm-secrets-getter')]) {
        const r = await run(helm, ['plugin', 'install', dir], env);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        installOutput += r.stdout + r.stderr;
      }
      const list = await run(helm, ['plugin', 'list'], env);
      assert.match(list.stdout, /^secrets\s/m);
      assert.match(list.stdout, /^secrets-getter\s/m);
      kube = await startFakeKube(home);
    });

    after(async () => {
      await kube?.close();
      if (home) rmSync(home, { recursive: true, force: true });
    });

    // Not `helm plugin update`: on a plugin installed from a git checkout, helm 3 treats it as a VCS
    // plugin and its update wipes the checkout's ignored files (node_modules, dist, .helm).
    it('install hook said what it did', () => {
      assert.match(installOutput, /\[helm-secrets\] install: Node\.js \d+\.\d+/);
      assert.match(installOutput, /\[helm-secrets\] install: done/);
    });

    it('helm secrets template -f renders the PGP and age vectors', async () => {
      for (const [file, value, port] of [[PGP_FILE, 'global_bar', '81'], [AGE_FILE, 'global_age', '92']]) {
        const r = await run(helm, ['secrets', 'template', 'rel', CHART, '-f', file], env);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`global_secret: "${value}"`));
        assert.match(r.stdout, new RegExp(`port: "${port}"`));
        assert.match(r.stderr, new RegExp(`\\[helm-secrets\\] Decrypt: ${file.replace(/[.+]/g, '\\$&')}`));
        noDecryptedBesideInputs();
      }
    });

    it("a run removes the private dirs that killed runs left (while helm runs), and keeps a live run's", async () => {
      const { root, stale, live } = await staleAndLive('hs-stale-wrapper-');
      try {
        const r = await run(helm, ['secrets', 'template', 'rel', CHART, '-f', AGE_FILE], { ...env, HELM_SECRETS_PRIVATE_DIR: root });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /global_secret: "global_age"/);
        assert.equal(existsSync(stale), false, 'the stale dir is gone when the command returns');
        assert.equal(existsSync(live), true);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });

    it('-q silences the plugin, not helm', async () => {
      const r = await run(helm, ['secrets', '-q', 'template', 'rel', CHART, '--values=' + PGP_FILE], env);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /\[helm-secrets\]/);
      assert.match(r.stdout, /global_bar/);
    });

    it('helm secrets lint', async () => {
      const r = await run(helm, ['secrets', 'lint', CHART, '-f', AGE_FILE], env);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    });

    for (const cmd of [['install'], ['upgrade', '--install']]) {
      it(`helm secrets ${cmd.join(' ')} against the fake API with HELM_DRIVER=memory`, async () => {
        const data = join(home, `memory-${cmd.length}`);
        writeFileSync(data, '');
        const kenv = { ...env, KUBECONFIG: kube.kubeconfig, HELM_DRIVER: 'memory', HELM_MEMORY_DRIVER_DATA: data };
        const r = await run(helm, ['secrets', ...cmd, 'rel', CHART, '-f', PGP_FILE, '-n', 'default', '-o', 'json'], kenv);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const release = JSON.parse(r.stdout);
        assert.equal(release.info.status, 'deployed');
        assert.equal(release.config.global_secret, 'global_bar');
        assert.match(release.manifest, /global_secret: "global_bar"/);
      });
    }

    it('helm template -f secrets://… goes through the getter plugin', async () => {
      for (const [spec, value] of [[`secrets://${PGP_FILE}`, 'global_bar'], [`secrets+age-import://${AGE_KEY}?${AGE_FILE}`, 'global_age']]) {
        const r = await run(helm, ['template', 'rel', CHART, '-f', spec], { ...env, SOPS_AGE_KEY_FILE: '' });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`global_secret: "${value}"`));
      }
      const gpg = await run(helm, ['template', 'rel', CHART, '-f', `secrets+gpg-import://${join(HS_VECTORS, 'tests/assets/gpg/private.gpg')}?${PGP_FILE}`], env);
      assert.equal(gpg.code, 0, gpg.stderr);
      assert.match(gpg.stdout, /global_bar/);
    });

    it('helm failure: its exit code and stderr come through, nothing is left', async () => {
      const r = await run(helm, ['secrets', 'template', 'rel', join(home, 'no-such-chart'), '-f', PGP_FILE], env);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /no-such-chart/);
      noDecryptedBesideInputs();
    });

    it('scripts/wrapper/helm.sh as `helm` (Argo CD): HELM_SECRETS_WRAPPER_ENABLED=true turns template into helm secrets template', async () => {
      const bin = join(home, 'bin');
      mkdirSync(bin, { recursive: true });
      const wrapper = join(bin, 'helm');
      copyFileSync(join(ROOT, 'scripts/wrapper/helm.sh'), wrapper);
      chmodSync(wrapper, 0o755);
      const wenv = { ...env, HELM_SECRETS_HELM_PATH: helm, PATH: `${bin}:${env.PATH}` };
      const on = await run(wrapper, ['template', 'rel', CHART, '-f', AGE_FILE], { ...wenv, HELM_SECRETS_WRAPPER_ENABLED: 'true' });
      assert.equal(on.code, 0, on.stderr);
      assert.match(on.stdout, /global_secret: "global_age"/);
      assert.match(on.stderr, /\[helm-secrets\] Decrypt: /);
      // Not enabled: helm itself gets the encrypted file and renders the ENC[...] string.
      const off = await run(wrapper, ['template', 'rel', CHART, '-f', AGE_FILE], wenv);
      assert.equal(off.code, 0, off.stderr);
      assert.match(off.stdout, /global_secret: "ENC\[AES256_GCM,data:/);
      assert.doesNotMatch(off.stderr, /helm-secrets/);
      // Other commands pass through, enabled or not.
      const ver = await run(wrapper, ['version', '--short'], { ...wenv, HELM_SECRETS_WRAPPER_ENABLED: 'true' });
      assert.equal(ver.code, 0, ver.stderr);
      assert.match(ver.stdout, version === 'v3' ? /^v3\.18\.0/ : /^v4\.1\.4/);
      // Without the real helm's path it would exec itself forever: it refuses instead.
      const loop = await run(wrapper, ['template', 'rel', CHART], { ...wenv, HELM_SECRETS_HELM_PATH: '', HELM_BIN: '' });
      assert.equal(loop.code, 1);
      assert.match(loop.stderr, /set HELM_SECRETS_HELM_PATH to the real helm binary/);
    });

    it('HELM_SECRETS_LOAD_GPG_KEYS: PGP keys from a directory decrypt with an empty gpg keyring', async () => {
      const gnupg = mkdtempSync(join(home, 'gnupg-'));
      const file = join(SOPS_DIR, 'secrets.gpg_key.yaml');
      const none = await run(helm, ['secrets', 'template', 'rel', CHART, '-f', file], { ...env, GNUPGHOME: gnupg });
      assert.notEqual(none.code, 0);
      assert.match(none.stderr, /No secret key/);
      const keys = `${join(HS_VECTORS, 'tests/assets/gpg')}/`;
      const r = await run(helm, ['secrets', 'template', 'rel', CHART, '-f', file], { ...env, GNUPGHOME: gnupg, HELM_SECRETS_LOAD_GPG_KEYS: keys });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /global_secret: "global_baz"/);
      const missing = join(home, 'no-keys-here');
      const bad = await run(helm, ['secrets', 'template', 'rel', CHART, '-f', file], { ...env, GNUPGHOME: gnupg, HELM_SECRETS_LOAD_GPG_KEYS: `${keys} ${missing}` });
      assert.equal(bad.code, 2);
      assert.equal(bad.stderr.split('\n')[0], `[helm-secrets] Error: ${missing}: key file or directory does not exist (HELM_SECRETS_LOAD_GPG_KEYS)`);
    });

    it('a missing values file is an error naming it, unless ignored', async () => {
      const missing = join(home, 'missing.yaml');
      const r = await run(helm, ['secrets', 'template', 'rel', CHART, '-f', missing], env);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`File does not exist: ${missing}`));
      const ok = await run(helm, ['secrets', 'template', 'rel', CHART, '-f', '?' + missing], env);
      assert.equal(ok.code, 0, ok.stderr);
      // helm-secrets's switch forms before the command: bare, with true|false, and =value.
      for (const [opts, code] of [[['--ignore-missing-values'], 0], [['--ignore-missing-values', 'true'], 0], [['--ignore-missing-values=true'], 0], [['--ignore-missing-values', 'false'], 1]] as const) {
        const r2 = await run(helm, ['secrets', ...opts, 'template', 'rel', CHART, '-f', missing], env);
        assert.equal(r2.code, code, `${opts.join(' ')}: ${r2.stderr}`);
        if (code) assert.match(r2.stderr, new RegExp(`File does not exist: ${missing}`));
      }
    });

    it('--evaluate-templates: false renders as usual; true runs the post-renderer (helm 4: the shipped one when none is installed)', async () => {
      const off = await run(helm, ['secrets', '--evaluate-templates', 'false', 'template', 'rel', CHART, '-f', AGE_FILE], env);
      assert.equal(off.code, 0, off.stderr);
      assert.match(off.stdout, /global_secret: "global_age"/);
      const on = await run(helm, ['secrets', '--evaluate-templates', 'template', 'rel', CHART, '-f', AGE_FILE], env);
      // Here only the secrets and secrets-getter plugins are installed (test/integration/backends.test.ts has all
      // three): helm 4 is offered the post-renderer this plugin ships, for this run only.
      assert.equal(on.code, 0, on.stderr);
      assert.match(on.stdout, /global_secret: global_age/);
      const list = await run(helm, ['plugin', 'list'], env);
      assert.doesNotMatch(list.stdout, /secrets-post-renderer/);
    });
  });
}

describe('helm wrapper process hygiene (fake helm)', function () {
  this.timeout(60000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hs-fakehelm-'));
    // Records its argv, environment and what it could read from each /proc/PID/fd/N, /dev/fd/N or path, then waits (slow mode).
    writeFileSync(
      join(dir, 'helm'),
      `#!/bin/sh
out=${dir}/out-$$
mkdir -p "$out"
cp /proc/$$/cmdline "$out/cmdline"
cp /proc/$$/environ "$out/environ"
printf '%s\\n' "$@" > "$out/args"
for a in "$@"; do case "$a" in /proc/*/fd/*|/dev/fd/*|/*helm-secrets-*) grep -c 'global_bar\\|global_age' "$a" >> "$out/read" || true;; esac; done
touch "$out/started"
if [ -n "$FAKE_HELM_SLEEP" ]; then exec sleep "$FAKE_HELM_SLEEP"; fi
exit \${FAKE_HELM_EXIT:-0}
`,
      { mode: 0o755 },
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const cli = join(ROOT, 'bin/helm-secrets.js');
  const outDirs = () => readdirSync(dir).filter((n) => n.startsWith('out-')).map((n) => join(dir, n));

  for (const mode of ['fd', 'dir'] as const) {
    const extra = mode === 'dir' ? { HELM_SECRETS_DECRYPT_SECRETS_IN_TMP_DIR: 'true' } : {};

    it(`${mode}: values never in helm's argv or environment; helm read them; exit code passed through`, async () => {
      for (const o of outDirs()) rmSync(o, { recursive: true });
      const env = testEnv({ HELM_SECRETS_HELM_PATH: join(dir, 'helm'), FAKE_HELM_EXIT: '3', SOPS_AGE_KEY_FILE: AGE_KEY, ...extra });
      let pid = 0;
      const r = await run(process.execPath, [cli, 'template', 'x', CHART, '-f', PGP_FILE, '-f', AGE_FILE, '-f', join(CHART, 'values.yaml')], env, (p) => (pid = p));
      assert.equal(r.code, 3, r.stderr);
      const [out] = outDirs();
      const cmdline = readFileSync(join(out, 'cmdline'), 'utf8');
      const environ = readFileSync(join(out, 'environ'), 'utf8');
      assert.doesNotMatch(cmdline, /global_bar|global_age|PGP MESSAGE/);
      assert.doesNotMatch(environ, /global_bar|global_age|PGP MESSAGE/);
      assert.match(cmdline, new RegExp(join(CHART, 'values.yaml').replace(/[.]/g, '\\.')), 'a plain file reaches helm unchanged');
      assert.deepEqual(readFileSync(join(out, 'read'), 'utf8').trim().split('\n'), ['1', '1'], 'helm could read both decrypted files');
      const args = readFileSync(join(out, 'args'), 'utf8').split('\n');
      // The wrapper's own descriptors, opened by name: helm inherits none (its children would).
      if (mode === 'fd') assert.equal(args.filter((a) => new RegExp(`^/proc/${pid}/fd/\\d+$`).test(a)).length, 2, args.join(' '));
      for (const a of args.filter((x) => x.includes('helm-secrets-'))) assert.equal(existsSync(a), false, `${a} removed`);
      assert.deepEqual(dirsOf(pid), []);
      noDecryptedBesideInputs();
    });

    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      it(`${mode}: ${sig} mid-run is forwarded to helm and nothing is left`, async () => {
        for (const o of outDirs()) rmSync(o, { recursive: true });
        const env = testEnv({ HELM_SECRETS_HELM_PATH: join(dir, 'helm'), FAKE_HELM_SLEEP: '30', ...extra });
        let pid = 0;
        const done = run(process.execPath, [cli, 'template', 'x', CHART, '-f', PGP_FILE], env, (p) => (pid = p));
        // Wait for the fake helm to be running, then interrupt the wrapper.
        for (let i = 0; i < 600 && !outDirs().some((o) => existsSync(join(o, 'started'))); i++) await new Promise((r) => setTimeout(r, 50));
        const seenDir = dirsOf(pid);
        process.kill(pid, sig);
        const r = await done;
        assert.equal(r.code, 128 + (sig === 'SIGINT' ? 2 : 15), r.stderr);
        if (mode === 'dir') assert.equal(seenDir.length, 1, 'the private dir existed while helm ran');
        for (const d of seenDir) assert.equal(existsSync(d), false);
        assert.deepEqual(dirsOf(pid), []);
        const args = readFileSync(join(outDirs()[0], 'args'), 'utf8').split('\n');
        for (const a of args.filter((x) => x.includes('helm-secrets-'))) assert.equal(existsSync(a), false);
        noDecryptedBesideInputs();
      });
    }
  }

  it('a stale private dir of a SIGKILLed run is removed by cleanStaleDirs', async () => {
    const { cleanStaleDirs } = await import('../../src/helm/cleanup.js');
    const { root, stale, live } = await staleAndLive('hs-stale-');
    assert.equal(await cleanStaleDirs([root]), 1);
    assert.equal(existsSync(stale), false);
    assert.equal(existsSync(live), true);
    rmSync(root, { recursive: true, force: true });
  });
});
