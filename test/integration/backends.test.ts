// helm-secrets' secret backends, end to end through the built CLI and real helm 3.18 / 4.1.4 from .helm/: every
// spelling of the backend choice, noop, a custom backend script (with the regex helper scripts/lib/backends/_custom.sh),
// HELM_SECRETS_ALLOWED_BACKENDS on every path (wrapper, file commands, getter, secrets+literal://, --set, the
// post-renderer), unknown backends, and --evaluate-templates through helm 3's post-renderer executable and helm 4's
// postrenderer/v1 plugin, with and without --evaluate-templates-decode-secrets. Resolved values never reach helm's
// argv or environment (a recording fake helm checks that), and no run leaves a private directory behind.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptBytes } from '../../src/engine.js';
import { testEnv } from '../helpers/env.js';
import { runAsync, runCliAsync } from '../helpers/proc.js';
import { helmRecords, writeFakeHelm } from '../helpers/fakehelm.js';
import { helmHome, type HelmHome } from '../helpers/helmhome.js';
import { assertNoLeak } from '../helpers/leakscan.js';
import { ROOT } from '../helpers/paths.js';
import { startFakeVault, type FakeVault } from '../helpers/fake-vault.js';

const AGE_RECIPIENT = 'age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju';
const CHART = join(ROOT, 'test/fixtures/chart');
const PROBE_FILE = 'file-probe-7c41';
const PROBE_ECHO = 'echo-probe-93ab';
const PROBE_VAULT = 'vault-probe-5e0d';
const VAULT_TOKEN = 'backends-root-token';

let dir: string;
let encFile: string;
let encBytes: Buffer;
let vault: FakeVault;
/** What every run gets: the Vault stand-in's address and token (the vault provider reads them). */
const vaultEnv = (): NodeJS.ProcessEnv => ({ VAULT_ADDR: vault.address, VAULT_TOKEN });

/** The CLI in `dir` (relative ref+file:// paths resolve there); asynchronous, as the Vault stand-in runs in this process. */
async function cli(args: string[], extra: NodeJS.ProcessEnv = {}) {
  const r = await runCliAsync(args, { env: testEnv({ ...vaultEnv(), ...extra }), cwd: dir });
  return { code: r.code, stdout: r.stdout.toString('utf8'), raw: r.stdout, stderr: r.stderr };
}

async function helm(h: HelmHome, args: string[], extra: NodeJS.ProcessEnv = {}) {
  const env = testEnv({ ...vaultEnv(), ...h.env, ...extra });
  delete env.HELM_PLUGINS;
  const r = await runAsync(h.helm, args, { env, cwd: dir });
  return { code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
}

before(async function () {
  this.timeout(60000);
  dir = mkdtempSync(join(tmpdir(), 'hs-backends-'));
  vault = await startFakeVault(VAULT_TOKEN);
  vault.mounts.set('secret/', 2);
  vault.putSecret('secret/app', { password: PROBE_VAULT });
  writeFileSync(join(dir, 'secret.txt'), PROBE_FILE);
  writeFileSync(join(dir, 'refs.yaml'), `global_secret: ref+echo://${PROBE_ECHO}\nservice:\n  port: ref+file://secret.txt\nextra: ref+vault://secret/app#/password\n`);
  writeFileSync(join(dir, 'plain.yaml'), 'global_secret: plain-value\n');
  writeFileSync(join(dir, 'marked.yaml'), 'global_secret: !probe alpha\nservice:\n  port: !probe beta\n');
  // A custom backend as helm-secrets' examples write one: a regex, the shared helper, and get_secret.
  writeFileSync(
    join(dir, 'probe-backend.sh'),
    `_BACKEND_REGEX='!probe [a-z]*'\n. "\${HELM_SECRETS_SCRIPT_DIR}/lib/backends/_custom.sh"\n_custom_backend_get_secret() {\n    printf 'custom-%s-%s' "\${2:-$1}" "$SECRET_BACKEND_ARGS"\n}\n`,
  );
  encFile = join(dir, 'enc.yaml');
  encBytes = Buffer.from(await encryptBytes(Buffer.from('global_secret: sops-value\n'), encFile, { env: testEnv(), flags: { keys: { age: [AGE_RECIPIENT] } } }));
  writeFileSync(encFile, encBytes);
  // A chart whose templates hold references (evaluate-templates), a Secret among them.
  const chart = join(dir, 'refchart');
  mkdirSync(join(chart, 'templates'), { recursive: true });
  writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: refchart\nversion: 0.1.0\n');
  writeFileSync(
    join(chart, 'templates', 'cm.yaml'),
    [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: refs',
      'data:',
      `  echo: ref+echo://${PROBE_ECHO}`,
      '  file: ref+file://secret.txt',
      '  vault: ref+vault://secret/app#/password',
      '---',
      'apiVersion: v1',
      'kind: Secret',
      'metadata:',
      '  name: refs',
      'data:',
      '  file: {{ print "ref+file://secret.txt" | b64enc }}',
      '  vault: {{ print "ref+vault://secret/app#/password" | b64enc }}',
      '',
    ].join('\n'),
  );
  const bad = join(dir, 'badchart');
  cpSync(chart, bad, { recursive: true });
  writeFileSync(join(bad, 'templates', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\ndata:\n  x: ref+file://no-such-file.txt\n');
});
after(async () => {
  await vault?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('secret backends: choosing one', function () {
  this.timeout(60000);

  for (const [label, args, extra] of [
    ['-b vals', ['-b', 'vals'], {}],
    ['--backend vals', ['--backend', 'vals'], {}],
    ['--backend=vals', ['--backend=vals'], {}],
    ['HELM_SECRETS_BACKEND=vals', [], { HELM_SECRETS_BACKEND: 'vals' }],
    ['-b vals over HELM_SECRETS_BACKEND=noop', ['-b', 'vals'], { HELM_SECRETS_BACKEND: 'noop' }],
  ] as [string, string[], NodeJS.ProcessEnv][]) {
    it(`${label}: decrypt resolves the references`, async () => {
      const r = await cli([...args, 'decrypt', 'refs.yaml'], extra);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`global_secret: ${PROBE_ECHO}`));
      assert.match(r.stdout, new RegExp(`port: ${PROBE_FILE}`));
      assert.match(r.stdout, new RegExp(`extra: ${PROBE_VAULT}`));
    });
  }

  it('an unknown backend is refused with helm-secrets\' words and exit 1, by option or by variable, on any command', async () => {
    for (const [args, extra] of [
      [['-b', 'nonexists', 'decrypt', 'refs.yaml'], {}],
      [['--backend=nonexists', 'template', 'x', CHART], {}],
      [['version'], { HELM_SECRETS_BACKEND: 'nonexists' }],
    ] as [string[], NodeJS.ProcessEnv][]) {
      const r = await cli(args, extra);
      assert.equal(r.code, 1, args.join(' '));
      assert.equal(r.stderr, "[helm-secrets] Can't find secret backend: nonexists\n");
      assert.equal(r.stdout, '');
    }
  });

  it('vals cannot encrypt, edit or decrypt in place; a file without references is "not encrypted"', async () => {
    assert.equal((await cli(['-b', 'vals', 'encrypt', 'plain.yaml'])).stderr, '[helm-secrets] Encrypting files is not supported!\n');
    assert.equal((await cli(['-b', 'vals', 'encrypt', 'refs.yaml'])).stderr, '[helm-secrets] Already encrypted: refs.yaml\n');
    assert.equal((await cli(['-b', 'vals', 'edit', 'refs.yaml'])).stderr, '[helm-secrets] vals: Editing files is not supported!\n');
    assert.equal((await cli(['-b', 'vals', 'decrypt', '-i', 'refs.yaml'])).stderr, '[helm-secrets] vals: inline decryption is not supported!\n');
    const r = await cli(['-b', 'vals', 'decrypt', 'plain.yaml']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, '[helm-secrets] File is not encrypted: plain.yaml\n');
    assert.match(readFileSync(join(dir, 'refs.yaml'), 'utf8'), /ref\+echo/);
  });

  it('a reference that cannot be resolved: one line naming it and the file, exit 1', async () => {
    writeFileSync(join(dir, 'broken.yaml'), 'a: ref+file://missing-4417.txt\n');
    const r = await cli(['-b', 'vals', 'decrypt', 'broken.yaml']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.split('\n').length, 2, r.stderr);
    assert.match(r.stderr, /^\[helm-secrets\] vals error: broken\.yaml: ref\+file:\/\/missing-4417\.txt: /);
  });
});

describe('secret backends: noop', function () {
  this.timeout(60000);
  it('decrypt hands the file out as it is, encrypt calls it "Already encrypted", decrypt -i leaves it', async () => {
    const r = await cli(['-b', 'noop', 'decrypt', encFile]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.raw, encBytes);
    assert.equal((await cli(['-b', 'noop', 'encrypt', 'plain.yaml'])).stderr, '[helm-secrets] Already encrypted: plain.yaml\n');
    assert.equal((await cli(['-b', 'noop', 'decrypt', '-i', 'enc.yaml'])).code, 0);
    assert.deepEqual(readFileSync(encFile), encBytes);
  });
});

describe('secret backends: a custom backend script', function () {
  this.timeout(60000);
  const script = () => join(dir, 'probe-backend.sh');

  it('-b SCRIPT decrypt: the regex helper replaces each match by an anchor holding get_secret\'s value', async () => {
    const r = await cli(['-b', script(), 'decrypt', 'marked.yaml']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\.helm-secret-alpha: &helm-secret-alpha custom-alpha-$/m);
    assert.match(r.stdout, /^global_secret: \*helm-secret-alpha$/m);
    assert.match(r.stdout, /^ {2}port: \*helm-secret-beta$/m);
    assert.doesNotMatch(r.stdout, /!probe/);
  });

  it('the script is told QUIET as the plugin reads HELM_SECRETS_QUIET (quiet by default under Argo CD)', async () => {
    const quietScript = join(dir, 'quiet-backend.sh');
    writeFileSync(quietScript, `_BACKEND_REGEX='!probe [a-z]*'\n. "\${HELM_SECRETS_SCRIPT_DIR}/lib/backends/_custom.sh"\n_custom_backend_get_secret() {\n    printf 'quiet-%s' "$QUIET"\n}\n`);
    const said = async (env: NodeJS.ProcessEnv) => {
      const r = await cli(['-b', quietScript, 'decrypt', 'marked.yaml'], env);
      assert.equal(r.code, 0, r.stderr);
      return /quiet-(true|false)/.exec(r.stdout)?.[1];
    };
    assert.equal(await said({ HELM_SECRETS_QUIET: 'false' }), 'false');
    assert.equal(await said({ HELM_SECRETS_QUIET: 'true' }), 'true');
    assert.equal(await said({ ARGOCD_APP_NAME: 'app' }), 'true');
    assert.equal(await said({ ARGOCD_APP_NAME: 'app', HELM_SECRETS_QUIET: 'false' }), 'false');
  });

  it('through the wrapper too: under Argo CD the script is told QUIET=true, as the plugin itself is quiet', async function () {
    const quietScript = join(dir, 'quiet-backend.sh');
    const h = helmHome(this, 'v4', testEnv());
    try {
      const r = await helm(h, ['secrets', 'template', 'x', CHART, '-f', `${quietScript}!marked.yaml`], { ARGOCD_APP_NAME: 'app' });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /global_secret: "quiet-true"/);
      assert.doesNotMatch(r.stderr, /\[helm-secrets\]/);
    } finally {
      h.remove();
    }
  });

  it('HELM_SECRETS_BACKEND=SCRIPT with -a: the script gets SECRET_BACKEND_ARGS; a script without encrypt support says so', async () => {
    const r = await cli(['-a', 'ARGS', 'decrypt', 'marked.yaml'], { HELM_SECRETS_BACKEND: script() });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /custom-alpha-ARGS/);
    const e = await cli(['encrypt', 'plain.yaml'], { HELM_SECRETS_BACKEND: script() });
    assert.equal(e.code, 1);
    assert.equal(e.stderr, '[helm-secrets] Encrypting files is not supported!\n');
  });

  for (const version of ['v3', 'v4'] as const) {
    it(`helm ${version}: SCRIPT!FILE in -f renders the resolved values`, async function () {
      const h = helmHome(this, version, testEnv());
      try {
        const r = await helm(h, ['secrets', 'template', 'x', CHART, '-f', `${script()}!marked.yaml`]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /global_secret: "custom-alpha-"/);
        assert.match(r.stdout, /port: "custom-beta-"/);
      } finally {
        h.remove();
      }
    });
  }
});

describe('secret backends: HELM_SECRETS_ALLOWED_BACKENDS on every path', function () {
  this.timeout(120000);
  const only = { HELM_SECRETS_ALLOWED_BACKENDS: 'sops,noop' };
  const refused = "[helm-secrets] secret backend 'vals' not allowed\n";

  it('file commands: decrypt, view, encrypt and edit with a backend that is not allowed', async () => {
    for (const cmd of [['decrypt', 'refs.yaml'], ['view', 'refs.yaml'], ['encrypt', 'plain.yaml'], ['edit', 'refs.yaml']]) {
      const r = await cli(['-b', 'vals', ...cmd], only);
      assert.equal(r.code, 1, cmd.join(' '));
      assert.equal(r.stderr, refused);
    }
    // The configured backend itself is checked first, before any option.
    const r = await cli(['-b', 'noop', 'decrypt', 'refs.yaml'], { ...only, HELM_SECRETS_BACKEND: 'vals' });
    assert.equal(r.stderr, refused);
  });

  it('wrapper: vals!FILE in -f and --set-file, --set key=vals!REF, secrets+literal://vals!REF, --evaluate-templates', async () => {
    const out = mkdtempSync(join(dir, 'fake-'));
    const fake = writeFakeHelm(out);
    for (const args of [
      ['-f', 'vals!refs.yaml'],
      ['--set-file', 'k=vals!refs.yaml'],
      ['--set', `k=vals!ref+echo://${PROBE_ECHO}`],
      ['--set-file', `k=secrets+literal://vals!ref+echo://${PROBE_ECHO}`],
      ['-f', 'secrets://vals!refs.yaml'],
    ]) {
      const r = await cli(['template', 'x', CHART, ...args], { ...only, HELM_SECRETS_HELM_PATH: fake, FAKE_HELM_OUT: out });
      assert.equal(r.code, 1, args.join(' '));
      assert.equal(r.stderr, refused, args.join(' '));
    }
    const e = await cli(['--evaluate-templates', 'template', 'x', CHART], { ...only, HELM_SECRETS_HELM_PATH: fake, FAKE_HELM_OUT: out });
    assert.equal(e.stderr, refused);
    assert.deepEqual(helmRecords(out), [], 'helm never ran');
  });

  for (const version of ['v3', 'v4'] as const) {
    it(`helm ${version} getter: secrets://vals!FILE and secrets+literal://vals!REF`, async function () {
      const h = helmHome(this, version, testEnv());
      try {
        for (const spec of ['secrets://vals!refs.yaml', `secrets+literal://vals!ref+echo://${PROBE_ECHO}`]) {
          const flag = spec.startsWith('secrets+literal') ? ['--set-file', `global_secret=${spec}`] : ['-f', spec];
          const r = await helm(h, ['template', 'x', CHART, ...flag], only);
          assert.notEqual(r.code, 0, spec);
          assert.match(r.stderr, /secret backend 'vals' not allowed/, spec);
          assert.doesNotMatch(r.stdout + r.stderr, new RegExp(PROBE_ECHO));
        }
        // Allowed, the same references resolve.
        const ok = await helm(h, ['template', 'x', CHART, '-f', 'secrets://vals!refs.yaml'], { HELM_SECRETS_ALLOWED_BACKENDS: 'vals,sops' });
        assert.equal(ok.code, 0, ok.stderr);
        assert.match(ok.stdout, new RegExp(`global_secret: "${PROBE_ECHO}"`));
      } finally {
        h.remove();
      }
    });
  }
});

describe('secret backends: resolved values reach helm privately', function () {
  this.timeout(60000);
  it('vals!FILE, --set key=vals!REF and --set-file secrets+literal://vals!REF: never in helm\'s argv or environment', async () => {
    const out = mkdtempSync(join(dir, 'fake-'));
    const r = await cli(
      ['template', 'x', CHART, '-f', 'vals!refs.yaml', '--set', `a=1,b=vals!ref+file://secret.txt,c=noop!kept`, '--set-file', `d=secrets+literal://vals!ref+echo://${PROBE_ECHO}`],
      { HELM_SECRETS_HELM_PATH: writeFakeHelm(out), FAKE_HELM_OUT: out },
    );
    assert.equal(r.code, 0, r.stderr);
    const [rec] = helmRecords(out);
    for (const probe of [PROBE_ECHO, PROBE_FILE, PROBE_VAULT]) {
      assertNoLeak(rec!.cmdline, [probe], 'helm argv');
      assertNoLeak(rec!.environ, [probe], 'helm environment');
    }
    const argv = rec!.cmdline.split('\0');
    // The resolved --set pair left its flag for a --set-file hand-over; the others stayed as written (noop! dropped).
    assert.ok(argv.includes('a=1,c=kept'), argv.join(' '));
    assert.ok(argv.some((a) => /^b=\/(proc|dev)\//.test(a)), argv.join(' '));
    assert.equal(rec!.sums.length, 3, 'three private hand-overs');
  });

  for (const version of ['v3', 'v4'] as const) {
    it(`helm ${version}: -f vals!FILE and --set key=vals!REF render resolved`, async function () {
      const h = helmHome(this, version, testEnv());
      try {
        const r = await helm(h, ['secrets', 'template', 'x', CHART, '-f', 'vals!refs.yaml', '--set', `global_secret=vals!ref+file://secret.txt`]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`global_secret: "${PROBE_FILE}"`));
        assert.match(r.stdout, new RegExp(`port: "${PROBE_FILE}"`));
      } finally {
        h.remove();
      }
    });
  }
});

describe('secret backends: --evaluate-templates', function () {
  this.timeout(120000);
  for (const version of ['v3', 'v4'] as const) {
    describe(`helm ${version} (${version === 'v3' ? 'post-renderer executable' : 'postrenderer/v1 plugin'})`, () => {
      let h: HelmHome;
      before(function () {
        h = helmHome(this, version, testEnv());
        if (version === 'v4') {
          const env = testEnv(h.env);
          delete env.HELM_PLUGINS;
          const r = spawnSync(h.helm, ['plugin', 'install', join(ROOT, 'plugins/helm-secrets-post-renderer'), '--verify=false'], { env, encoding: 'utf8' });
          assert.equal(r.status, 0, r.stdout + r.stderr);
        }
      });
      after(() => h?.remove());

      it('references in the rendered manifests are resolved; Secret data stays as rendered', async () => {
        const r = await helm(h, ['secrets', '--evaluate-templates', 'template', 'x', join(dir, 'refchart')]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`echo: ${PROBE_ECHO}`));
        assert.match(r.stdout, new RegExp(`file: ${PROBE_FILE}`));
        assert.match(r.stdout, new RegExp(`vault: ${PROBE_VAULT}`));
        assert.match(r.stdout, new RegExp(`file: ${Buffer.from('ref+file://secret.txt').toString('base64')}`));
      });

      it('--evaluate-templates-decode-secrets: Secret data decoded, resolved and encoded again', async () => {
        const r = await helm(h, ['secrets', '--evaluate-templates', '--evaluate-templates-decode-secrets', 'template', 'x', join(dir, 'refchart')]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`file: ${Buffer.from(PROBE_FILE).toString('base64')}`));
        assert.match(r.stdout, new RegExp(`vault: ${Buffer.from(PROBE_VAULT).toString('base64')}`));
        assert.match(r.stdout, new RegExp(`echo: ${PROBE_ECHO}`));
      });

      it('HELM_SECRETS_EVALUATE_TEMPLATES=false renders the references as they are', async () => {
        const r = await helm(h, ['secrets', 'template', 'x', join(dir, 'refchart')], { HELM_SECRETS_EVALUATE_TEMPLATES: 'false' });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /echo: ref\+echo:\/\//);
      });

      it('a reference that cannot be resolved fails the render, naming it', async () => {
        const r = await helm(h, ['secrets', '--evaluate-templates', 'template', 'x', join(dir, 'badchart')]);
        assert.notEqual(r.code, 0);
        if (version === 'v3') assert.match(r.stderr, /vals error: the rendered manifests: ref\+file:\/\/no-such-file\.txt: /);
        else assert.match(r.stderr, /plugin "secrets-post-renderer" exited with error/);
        assert.doesNotMatch(r.stdout, /kind: ConfigMap/);
      });
    });
  }
});
