// ref+k8s:// through the real kubectl against the local Kubernetes API stand-in: Secret keys (base64-decoded),
// ConfigMap keys, a whole object's data, the kubeconfig sources, one kubectl call per object in a run, and one
// error per class.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evalYaml, getRef, type ResolveOptions } from '../../src/refs/resolve.js';
import { startFakeKube, type FakeKube } from '../helpers/fake-kube.js';
import { refFailure } from '../helpers/reffail.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('refs: k8s provider (kubectl against the Kubernetes API stand-in)', function () {
  this.timeout(120_000);
  let kube: FakeKube;
  let dir: string;
  let opts: ResolveOptions;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hs-refs-k8s-'));
    kube = await startFakeKube(dir);
    kube.objects.set('secrets/prod/db', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'prod' }, type: 'Opaque', data: { password: b64('k8s-secret-pw'), user: b64('app') } });
    kube.objects.set('configmaps/prod/settings', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'prod' }, data: { mode: 'fast', 'log.level': 'debug' } });
    kube.forbidden.add('locked');
    // kubectl keeps its discovery cache under HOME: a private one.
    opts = { env: { PATH: process.env.PATH, HOME: dir, KUBECONFIG: kube.kubeconfig }, baseDir: dir, file: 'values.yaml', attempts: 2, timeoutMs: 30_000 };
  });
  beforeEach(() => (kube.gets.length = 0));
  after(async () => {
    await kube.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads Secret and ConfigMap keys, by path and by fragment, with one kubectl call per object', async () => {
    const out = await evalYaml(
      [
        'pw: ref+k8s://v1/Secret/prod/db/password',
        'user: ref+k8s://v1/Secret/prod/db#/user',
        'again: ref+k8s://v1/Secret/prod/db#/password',
        'mode: ref+k8s://v1/ConfigMap/prod/settings/mode',
        'level: ref+k8s://v1/ConfigMap/prod/settings#/log.level',
        '',
      ].join('\n'),
      opts,
    );
    assert.equal(out, 'again: k8s-secret-pw\nlevel: debug\nmode: fast\npw: k8s-secret-pw\nuser: app\n');
    // One document fetch per object for the fragments, one string fetch per PATH/KEY reference.
    assert.deepEqual(kube.gets.map((g) => g.path).sort(), [
      '/api/v1/namespaces/prod/configmaps/settings',
      '/api/v1/namespaces/prod/configmaps/settings',
      '/api/v1/namespaces/prod/secrets/db',
      '/api/v1/namespaces/prod/secrets/db',
    ]);
  });

  it('gives a whole object\'s data as JSON, and takes kubeConfigPath', async () => {
    const { KUBECONFIG: _k, ...noEnv } = opts.env;
    assert.equal(await getRef(`ref+k8s://v1/ConfigMap/prod/settings?kubeConfigPath=${kube.kubeconfig}`, { ...opts, env: noEnv }), '{"log.level":"debug","mode":"fast"}');
  });

  describe('errors, one per class', () => {
    const fails = refFailure(/k8s-secret-pw/);
    it('a missing object', () => fails('ref+k8s://v1/Secret/prod/nope/password', opts, 'not-found', 'values.yaml: ref+k8s://v1/Secret/prod/nope/password: Secret prod/nope not found'));
    it('a missing key', () => fails('ref+k8s://v1/Secret/prod/db/nope', opts, 'not-found', 'values.yaml: ref+k8s://v1/Secret/prod/db/nope: key nope does not exist in Secret prod/db'));
    it('a denied read', () =>
      fails('ref+k8s://v1/Secret/locked/db/password', opts, 'denied', /^values\.yaml: ref\+k8s:\/\/v1\/Secret\/locked\/db\/password: reading Secret locked\/db is not allowed: Error from server \(Forbidden\)/));
    it('an unreachable API server (retried, bounded)', async () => {
      const deadConfig = join(dir, 'dead-kubeconfig');
      writeFileSync(deadConfig, readFileSync(kube.kubeconfig, 'utf8').replace(kube.url, 'http://127.0.0.1:9'));
      await fails('ref+k8s://v1/Secret/prod/db/password', { ...opts, env: { ...opts.env, KUBECONFIG: deadConfig } }, 'unreachable', /the Kubernetes API is unreachable: .*\(after 2 attempts\)$/);
    });
    it('a malformed reference', async () => {
      await fails('ref+k8s://v2/Secret/prod/db/password', opts, 'malformed', 'values.yaml: ref+k8s://v2/Secret/prod/db/password: invalid apiVersion "v2": only v1 is supported');
      await fails('ref+k8s://v1/Pod/prod/db/x', opts, 'malformed', 'values.yaml: ref+k8s://v1/Pod/prod/db/x: invalid kind "Pod": Secret or ConfigMap');
      await fails('ref+k8s://v1/Secret/--server=x/db/x', opts, 'malformed', 'values.yaml: ref+k8s://v1/Secret/--server=x/db/x: invalid namespace in v1/Secret/--server=x/db/x: a DNS-1123 label is required');
      await fails('ref+k8s://v1/Secret/prod/db', { ...opts, env: { ...opts.env, KUBECONFIG: join(dir, 'none') } }, 'failed', `values.yaml: ref+k8s://v1/Secret/prod/db: KUBECONFIG is set but ${join(dir, 'none')} does not exist`);
    });
  });
});
