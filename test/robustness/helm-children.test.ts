// What helm's children inherit from `helm secrets`: a post-renderer (helm 3: an executable; helm 4: a postrenderer/v1
// plugin) reports every descriptor 3..9 it can read and the key variables in its environment. It must find neither
// the decrypted values nor SOPS_AGE_KEY / SOPS_AGE_KEY_FILE / VAULT_TOKEN, while helm itself still renders the
// values. Key variables stay when helm's own getter (secrets://) needs them in the same command (a unit check: the
// wrapper resolves every secrets:// reference it sees itself).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptBytes } from '../../src/engine.js';
import { helmEnvironment } from '../../src/helm/childenv.js';
import { testEnv } from '../helpers/env.js';
import { helmHome, type HelmHome } from '../helpers/helmhome.js';
import { ROOT } from '../helpers/paths.js';
import { runAsync } from '../helpers/proc.js';

const AGE_RECIPIENT = 'age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju';
const CHART = join(ROOT, 'test/fixtures/chart');
const PLAIN = 'global_secret: child-probe-plaintext-4471\n';

describe('robustness: helm children get neither the plaintext nor the keys', function () {
  this.timeout(120000);
  let dir: string;
  let file: string;
  let report: string;
  let probe: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hs-children-'));
    env = testEnv({ VAULT_TOKEN: 'vault-token-probe-8812', SOPS_AGE_KEY: 'AGE-SECRET-KEY-PROBE' });
    file = join(dir, 'secrets.yaml');
    writeFileSync(file, await encryptBytes(Buffer.from(PLAIN), file, { env, flags: { keys: { age: [AGE_RECIPIENT] } } }));
    report = join(dir, 'report.txt');
    // A post-renderer that passes the manifests through and writes what it could find to $report.
    probe = join(dir, 'probe.sh');
    writeFileSync(
      probe,
      `#!/bin/sh
{
for n in 3 4 5 6 7 8 9; do
  [ -e /dev/fd/$n ] && echo "fd$n: $(head -c 4096 /dev/fd/$n 2>/dev/null | tr '\\n' ' ')"
done
for v in SOPS_AGE_KEY SOPS_AGE_KEY_FILE VAULT_TOKEN; do
  eval "x=\\\${$v:-}"; [ -n "$x" ] && echo "env $v=$x"
done
echo done
} > '${report}'
cat
`,
      { mode: 0o755 },
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the key variables stay only when helm itself will run the secrets:// getter', () => {
    const keys = { SOPS_AGE_KEY: 'k', SOPS_AGE_KEY_FILE: '/k', SOPS_PGP_PASSPHRASE: 'p', VAULT_TOKEN: 't', PATH: '/bin', AWS_PROFILE: 'x' };
    const stripped = helmEnvironment(keys, ['template', 'rel', 'chart', '-f', '/proc/1/fd/20']);
    assert.deepEqual(stripped, { PATH: '/bin', AWS_PROFILE: 'x' });
    for (const arg of ['secrets://values.yaml', '--values=secrets+age-import://k?f', 'a=SECRETS://x']) {
      assert.deepEqual(helmEnvironment(keys, ['template', 'rel', 'chart', arg]), keys, arg);
    }
  });

  for (const version of ['v3', 'v4'] as const) {
    describe(`helm ${version}`, () => {
      let home: HelmHome;
      let henv: NodeJS.ProcessEnv;
      let renderer: string;
      before(function () {
        home = helmHome(this, version, env);
        henv = { ...env, ...home.env };
        renderer = probe;
        if (version === 'v4') {
          // helm 4 runs post-renderers as plugins only.
          const p = join(dir, 'probe-plugin');
          mkdirSync(p, { recursive: true });
          writeFileSync(
            join(p, 'plugin.yaml'),
            `apiVersion: v1\ntype: postrenderer/v1\nname: probe\nversion: 0.1.0\nruntime: subprocess\nruntimeConfig:\n  platformCommand:\n    - command: ${probe}\n`,
          );
          const r = spawnSync(home.helm, ['plugin', 'install', p], { env: henv, encoding: 'utf8' });
          assert.equal(r.status, 0, r.stdout + r.stderr);
          renderer = 'probe';
        }
      });
      after(() => home?.remove());

      const render = async (values: string[]) => {
        rmSync(report, { force: true });
        const r = await runAsync(home.helm, ['secrets', 'template', 'rel', CHART, ...values, '--post-renderer', renderer], { env: henv, cwd: dir });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout.toString(), /child-probe-plaintext-4471/, 'helm itself must still get the values');
        assert.ok(existsSync(report), 'the post-renderer did not run');
        return readFileSync(report, 'utf8');
      };

      it('a post-renderer cannot read the decrypted values through an inherited descriptor', async () => {
        const found = await render(['-f', file]);
        assert.match(found, /done/);
        assert.doesNotMatch(found, /child-probe-plaintext-4471/, found);
      });

      it('a post-renderer does not see SOPS_AGE_KEY, SOPS_AGE_KEY_FILE or VAULT_TOKEN', async () => {
        const found = await render(['-f', file]);
        assert.doesNotMatch(found, /^env /m, found);
      });

    });
  }
});
