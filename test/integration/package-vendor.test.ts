// The npm packages a packaged plugin loads at run time come from its vendor bundles (dist/vendor/), not from a
// node_modules it does not have: the helm 4 `secrets` tarball, unpacked outside the project (so no node_modules
// is found up the tree), encrypts and decrypts with a GCP KMS key (google-gax, gRPC; local server on the real
// protocol), an Azure Key Vault key (@azure/*), a PGP key through openpgp.js (no gpg), and a .sops.yaml
// path_regex (re2js).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startFakeAzureKv, type FakeAzureKv } from '../helpers/fake-azurekv.js';
import { startFakeGcpKms, type FakeGcpKms } from '../helpers/fake-gcpkms.js';
import { SOPS_VECTORS } from '../helpers/paths.js';
import { runAsync } from '../helpers/proc.js';
import { release } from '../helpers/release.js';
import { ageKeygen, requireTool } from '../helpers/tools.js';

const ASC = readFileSync(join(SOPS_VECTORS, 'pgp', 'sops_functional_tests_key.asc'), 'utf8');
const FP = 'FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4';
const GCP_KEY = 'projects/p/locations/europe-west1/keyRings/r/cryptoKeys/sops';

describe('packaged plugin: run-time packages from its vendor bundles', function () {
  this.timeout(180000);
  let dir: string;
  let cli: string;
  let gcp: FakeGcpKms;
  let azure: FakeAzureKv;
  let env: NodeJS.ProcessEnv;

  before(async function () {
    requireTool(this, 'gpg');
    requireTool(this, 'openssl');
    const rel = release();
    dir = mkdtempSync(join(tmpdir(), 'hs-pkg-vendor-'));
    const x = spawnSync('tar', ['-xzf', join(rel.out, `secrets-${rel.version}.tgz`), '-C', dir], { encoding: 'utf8' });
    assert.equal(x.status, 0, x.stderr);
    cli = join(dir, 'secrets', 'bin', 'helm-secrets.js');
    for (let d = dirname(cli); d !== dirname(d); d = dirname(d)) assert.ok(!existsSync(join(d, 'node_modules')), `${d}/node_modules`);
    [gcp, azure] = await Promise.all([startFakeGcpKms(), startFakeAzureKv()]);
    azure.createKey('sops');
    env = {
      PATH: process.env.PATH,
      HOME: dir,
      SOPS_GPG_EXEC: '/nonexistent/gpg',
      SOPS_PGP_KEY: ASC,
      SOPS_GCP_KMS_ENDPOINT: gcp.endpoint,
      GOOGLE_OAUTH_ACCESS_TOKEN: 'ya29.packaged',
      HELM_SECRETS_AZURE_ACCESS_TOKEN: azure.token,
      HELM_SECRETS_AZURE_KV_CA_FILE: azure.caFile,
      HELM_SECRETS_AZURE_KV_SKIP_CHALLENGE_CHECK: 'true',
      HELM_SECRETS_KEY_SERVICE_TIMEOUT: '10s',
    };
  });

  after(async () => {
    await Promise.all([gcp?.stop(), azure?.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // Not spawnSync: the key services answer from this process's event loop.
  const packaged = async (args: string[], cwd = dir, extra: NodeJS.ProcessEnv = {}) => {
    const r = await runAsync(process.execPath, [cli, ...args], { cwd, env: { ...env, ...extra } });
    return { status: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
  };

  for (const [kind, flags, service] of [
    ['GCP KMS', ['--gcp-kms', GCP_KEY], () => gcp.calls.length],
    ['Azure Key Vault', () => ['--azure-kv', `${azure.vaultUrl}/keys/sops`], () => azure.calls.length],
    ['PGP (openpgp.js)', ['--pgp', FP], () => 1],
  ] as const) {
    it(`encrypts and decrypts with a ${kind} key`, async () => {
      const f = join(dir, `${kind.replace(/\W+/g, '-')}.yaml`);
      writeFileSync(f, `password: vendored-${kind.length}\n`);
      const before = service();
      const enc = await packaged(['encrypt', '-i', ...(typeof flags === 'function' ? flags() : flags), f]);
      assert.equal(enc.status, 0, enc.stderr);
      assert.match(readFileSync(f, 'utf8'), /password: ENC\[AES256_GCM/);
      const dec = await packaged(['decrypt', f]);
      assert.equal(dec.status, 0, dec.stderr);
      assert.equal(dec.stdout, `password: vendored-${kind.length}\n`);
      assert.ok(service() > before || kind.startsWith('PGP'), `${kind} was not called`);
    });
  }

  it('a .sops.yaml path_regex picks the rule (re2js)', async function () {
    const keys = ageKeygen(this, 'hs-pkg-vendor-age-');
    try {
      const repo = mkdtempSync(join(dir, 'repo-'));
      writeFileSync(join(repo, '.sops.yaml'), `creation_rules:\n  - path_regex: ^secrets/(prod|dev)\\.ya?ml$\n    age: ${keys.recipient}\n  - path_regex: .*\n    pgp: ${FP}\n`);
      mkdirSync(join(repo, 'secrets'));
      writeFileSync(join(repo, 'secrets', 'prod.yaml'), 'token: by-regex\n');
      const enc = await packaged(['encrypt', '-i', 'secrets/prod.yaml'], repo);
      assert.equal(enc.status, 0, enc.stderr);
      const text = readFileSync(join(repo, 'secrets', 'prod.yaml'), 'utf8');
      assert.match(text, new RegExp(`recipient: ${keys.recipient}`));
      assert.doesNotMatch(text, /fp: FBC7/);
      const dec = await packaged(['decrypt', 'secrets/prod.yaml'], repo, { SOPS_AGE_KEY_FILE: keys.keyFile });
      assert.equal(dec.status, 0, dec.stderr);
      assert.equal(dec.stdout, 'token: by-regex\n');
    } finally {
      rmSync(keys.dir, { recursive: true, force: true });
    }
  });
});
