// Core dumps would write the heap (decrypted values, data keys) to disk: every sh launcher sets the core limit to 0
// before node (or the real helm) starts. A stand-in node (HELM_SECRETS_NODE_PATH) or helm (HELM_SECRETS_HELM_PATH)
// reports the limit it inherited, from a parent whose limit is unlimited; also through helm 3 and 4's plugin dispatch.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testEnv } from '../helpers/env.js';
import { helmHome, type HelmHome } from '../helpers/helmhome.js';
import { ROOT } from '../helpers/paths.js';

/** Runs `cmd args` from a shell whose core limit is unlimited; returns its stdout. */
function underUnlimited(cmd: string, args: string[], env: NodeJS.ProcessEnv): string {
  const r = spawnSync('sh', ['-c', 'ulimit -c unlimited && [ "$(ulimit -c)" = unlimited ] || exit 99; exec "$@"', 'sh', cmd, ...args], { env, encoding: 'utf8' });
  assert.notEqual(r.status, 99, 'cannot raise the core limit here');
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

describe('robustness: launchers disable core dumps', function () {
  this.timeout(60000);
  let dir: string;
  let env: NodeJS.ProcessEnv;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hs-core-'));
    const report = join(dir, 'report-core-limit');
    writeFileSync(report, '#!/bin/sh\necho "core=$(ulimit -c)"\n', { mode: 0o755 });
    env = testEnv({ HELM_SECRETS_NODE_PATH: report, HELM_SECRETS_HELM_PATH: report });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the control: without a launcher the child inherits unlimited', () => {
    assert.equal(underUnlimited(join(dir, 'report-core-limit'), [], env), 'core=unlimited');
  });

  for (const launcher of ['scripts/plugin-entry', 'plugins/helm-secrets-getter/bin/secrets-getter', 'scripts/wrapper/helm.sh']) {
    it(`${launcher} starts its child with core limit 0`, () => {
      assert.equal(underUnlimited(join(ROOT, launcher), ['template', 'x'], { ...env, HELM_SECRETS_WRAPPER_ENABLED: 'true' }), 'core=0');
    });
  }

  for (const version of ['v3', 'v4'] as const) {
    describe(`through helm ${version}`, () => {
      let home: HelmHome;
      before(function () {
        home = helmHome(this, version, env);
      });
      after(() => home?.remove());
      it('helm secrets runs node with core limit 0', () => {
        assert.equal(underUnlimited(home.helm, ['secrets', 'version'], { ...env, ...home.env }), 'core=0');
      });
    });
  }
});
