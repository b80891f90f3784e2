// Each reference provider of the resolver core (echo, file, envsubst, sops, vault, k8s) end to end through
// `helm secrets template` with the vals backend (-f vals!FILE) on real helm 3.18 and 4.1.4: the rendered manifest
// holds the resolved value, and a reference that cannot be resolved fails the render with one line naming it and the
// file. The Vault and Kubernetes stand-ins run in this process, so helm is spawned asynchronously.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptBytes } from '../../src/engine.js';
import { testEnv } from '../helpers/env.js';
import { startFakeKube, type FakeKube } from '../helpers/fake-kube.js';
import { startFakeVault, type FakeVault } from '../helpers/fake-vault.js';
import { helmHome, type HelmHome } from '../helpers/helmhome.js';
import { HS_VECTORS, ROOT } from '../helpers/paths.js';

const CHART = join(ROOT, 'test/fixtures/chart');
const AGE_KEY = join(HS_VECTORS, 'tests/assets/age/key.txt');

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('refs: every core provider through helm secrets template (-f vals!FILE)', function () {
  this.timeout(300_000);
  let dir: string;
  let vault: FakeVault;
  let kube: FakeKube;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hs-refs-helm-'));
    vault = await startFakeVault('helm-root-token');
    vault.mounts.set('secret/', 2);
    vault.putSecret('secret/app', { password: 'vault-e2e-value' });
    kube = await startFakeKube(dir);
    kube.objects.set('secrets/prod/app', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app', namespace: 'prod' }, data: { password: Buffer.from('k8s-e2e-value').toString('base64') } });
    writeFileSync(join(dir, 'secret.txt'), 'file-e2e-value');
    const recipient = /public key: (age1\w+)/.exec(readFileSync(AGE_KEY, 'utf8'))![1]!;
    const sopsFile = join(dir, 'enc.yaml');
    writeFileSync(sopsFile, await encryptBytes(Buffer.from('app:\n  password: sops-e2e-value\n'), sopsFile, { env: { HOME: dir }, flags: { keys: { age: [recipient] } } }));
    env = { VAULT_ADDR: vault.address, VAULT_TOKEN: 'helm-root-token', KUBECONFIG: kube.kubeconfig, E2E_VALUE: 'envsubst-e2e-value', SOPS_AGE_KEY_FILE: AGE_KEY };
  });
  after(async () => {
    await vault.stop();
    await kube.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cases: [provider: string, ref: string, want: string, bad: string, cause: string][] = [
    ['echo', 'ref+echo://echo-e2e-value', 'echo-e2e-value', 'ref+echo://a:b/c', 'malformed reference: invalid port after the host (a `:` in the host must start a port)'],
    ['file', 'ref+file://secret.txt', 'file-e2e-value', 'ref+file://missing.txt', 'no such file missing.txt'],
    ['envsubst', 'ref+envsubst://$E2E_VALUE', 'envsubst-e2e-value', 'ref+envsubst://$E2E_VALUE/${X', 'envsubst: closing brace expected'],
    ['sops', 'ref+sops://enc.yaml#/app/password', 'sops-e2e-value', 'ref+sops://enc.yaml#/app/nope', 'no value at #/app/nope'],
    ['vault', 'ref+vault://secret/app#/password', 'vault-e2e-value', 'ref+vault://secret/nope#/password', 'no secret found for path "secret/nope"'],
    ['k8s', 'ref+k8s://v1/Secret/prod/app/password', 'k8s-e2e-value', 'ref+k8s://v1/Secret/prod/nope/password', 'Secret prod/nope not found'],
  ];

  for (const version of ['v3', 'v4'] as const) {
    describe(`helm ${version}`, () => {
      let h: HelmHome;
      before(function () {
        h = helmHome(this, version, testEnv());
      });
      after(() => h?.remove());

      const helm = (args: string[]) => {
        const e = testEnv({ ...h.env, ...env, HOME: dir });
        delete e.HELM_PLUGINS;
        return run(h.helm, args, e, dir);
      };

      it('ref+file:// and ref+sops:// pass the values-path guards (HELM_SECRETS_VALUES_ALLOW_ABSOLUTE_PATH=false)', async () => {
        for (const ref of ['ref+file:///etc/hostname', `ref+sops://${join(dir, 'enc.yaml')}#/app/password`]) {
          writeFileSync(join(dir, 'guarded.yaml'), `global_secret: ${ref}\n`);
          const e = testEnv({ ...h.env, ...env, HOME: dir, HELM_SECRETS_VALUES_ALLOW_ABSOLUTE_PATH: 'false' });
          delete e.HELM_PLUGINS;
          const r = await run(h.helm, ['secrets', 'template', 'x', CHART, '-f', 'vals!guarded.yaml'], e, dir);
          assert.notEqual(r.code, 0);
          assert.match(r.stderr, /guarded\.yaml: ref\+(file|sops):\/\/\S+: Values filepath '\/\S+' is an absolute path\. Absolute paths are not allowed\./);
          assert.doesNotMatch(r.stderr, /sops-e2e-value/);
        }
      });

      for (const [provider, ref, want, bad, cause] of cases) {
        it(`${provider}: resolved into the rendered manifest`, async () => {
          const values = `${provider}-values.yaml`;
          writeFileSync(join(dir, values), `global_secret: ${ref}\nservice:\n  port: ref+echo://8080\n`);
          const r = await helm(['secrets', 'template', 'x', CHART, '-f', `vals!${values}`]);
          assert.equal(r.code, 0, r.stderr);
          assert.match(r.stdout, new RegExp(`global_secret: "${want}"`));
          assert.match(r.stdout, /port: "8080"/);
        });

        it(`${provider}: an unresolvable reference fails the render, one line naming it and the file`, async () => {
          const values = `${provider}-bad.yaml`;
          writeFileSync(join(dir, values), `global_secret: ${bad}\n`);
          const r = await helm(['secrets', 'template', 'x', CHART, '-f', `vals!${values}`]);
          assert.notEqual(r.code, 0);
          assert.equal(r.stdout, '');
          const lines = r.stderr.trim().split('\n').filter((l) => !/^Error: plugin "secrets" exited with error$/.test(l));
          assert.equal(lines.length, 1, r.stderr);
          assert.ok(lines[0]!.includes(values), lines[0]);
          assert.ok(lines[0]!.includes(`${bad.replace(/\?.*$/, '')}`), lines[0]);
          assert.ok(lines[0]!.endsWith(cause), lines[0]);
          assert.doesNotMatch(r.stderr, /e2e-value/);
        });
      }
    });
  }
});
