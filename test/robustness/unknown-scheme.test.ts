// A values reference with a scheme no getter handles is read by helm as a local path: with a directory named
// `foo:` in the repository, `-f foo://../../x.yaml` is ../x.yaml, outside it. Such a reference gets the same path
// guards (HELM_SECRETS_VALUES_ALLOW_*) and decryption as any local file; schemes helm has a getter for (http, https,
// oci, getter plugins) still go to helm untouched. Real helm 3.18 and 4.1.4 with the plugins and a getter plugin.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptBytes } from '../../src/engine.js';
import { testEnv } from '../helpers/env.js';
import { helmHome, type HelmHome } from '../helpers/helmhome.js';
import { ROOT } from '../helpers/paths.js';
import { runAsync } from '../helpers/proc.js';

const AGE_RECIPIENT = 'age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju';
const CHART = join(ROOT, 'test/fixtures/chart');

describe('robustness: references with a scheme helm has no getter for', function () {
  this.timeout(120000);
  let dir: string;
  let repo: string;
  let getterDir: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hs-scheme-'));
    repo = join(dir, 'repo');
    mkdirSync(join(repo, 'foo:'), { recursive: true });
    writeFileSync(join(dir, 'outside.yaml'), 'global_secret: outside-the-repository\n');
    env = testEnv();
    const inside = join(repo, 'foo:', 'secrets.yaml');
    writeFileSync(inside, await encryptBytes(Buffer.from('global_secret: decrypted-inside\n'), inside, { env, flags: { keys: { age: [AGE_RECIPIENT] } } }));
    // A getter plugin for fakeget://: its scheme is helm's to handle.
    getterDir = join(dir, 'fakeget');
    mkdirSync(join(getterDir, 'bin'), { recursive: true });
    writeFileSync(
      join(getterDir, 'plugin.yaml'),
      'name: "fakeget"\nversion: "0.1.0"\nusage: "test getter"\ndescription: "test getter"\ndownloaders:\n  - command: "bin/get"\n    protocols:\n      - "fakeget"\n',
    );
    writeFileSync(join(getterDir, 'bin', 'get'), "#!/bin/sh\nprintf 'global_secret: from-fake-getter\\n'\n", { mode: 0o755 });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const version of ['v3', 'v4'] as const) {
    describe(`helm ${version}`, () => {
      let home: HelmHome;
      let henv: NodeJS.ProcessEnv;
      before(function () {
        home = helmHome(this, version, env);
        const r = spawnSync(home.helm, ['plugin', 'install', getterDir], { env: { ...env, ...home.env }, encoding: 'utf8' });
        assert.equal(r.status, 0, r.stdout + r.stderr);
        henv = { ...env, ...home.env, HELM_SECRETS_VALUES_ALLOW_PATH_TRAVERSAL: 'false' };
      });
      after(() => home?.remove());
      const template = (values: string, extra: NodeJS.ProcessEnv = {}) =>
        runAsync(home.helm, ['secrets', 'template', 'rel', CHART, '-f', values], { env: { ...henv, ...extra }, cwd: repo });

      it('foo://../../outside.yaml is refused by the traversal guard', async () => {
        const r = await template('foo://../../outside.yaml');
        assert.notEqual(r.code, 0);
        assert.doesNotMatch(r.stdout.toString(), /outside-the-repository/);
        assert.match(r.stderr, /contains '\.\.'\. Path traversal is not allowed/);
      });

      it('the same reference is read (by helm, as a local path) when the guard is off', async () => {
        const r = await template('foo://../../outside.yaml', { HELM_SECRETS_VALUES_ALLOW_PATH_TRAVERSAL: 'true' });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout.toString(), /outside-the-repository/);
      });

      it('an encrypted file reached that way is decrypted like any local file', async () => {
        const r = await template('foo://secrets.yaml');
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout.toString(), /decrypted-inside/);
      });

      it('a reference that is no file here is asked of helm (a getter we did not see may serve it) and fails, named, before helm runs', async () => {
        const r = await template('nosuch://x.yaml');
        assert.equal(r.code, 1);
        assert.match(r.stderr, /^\[helm-secrets\] Error while fetching nosuch:\/\/x\.yaml through helm: .*no such file/m);
        assert.doesNotMatch(r.stdout.toString(), /kind: ConfigMap/);
      });

      it('a scheme a getter plugin handles is fetched through that getter', async () => {
        const r = await template('fakeget://../../anything');
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout.toString(), /from-fake-getter/);
      });
    });
  }
});
