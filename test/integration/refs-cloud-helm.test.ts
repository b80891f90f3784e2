// Each cloud reference provider end to end through `helm secrets -b vals template`, with the real helm (3.18 and
// 4.1.4 from .helm/) running the installed plugin and the built CLI: the values file holds references to Secrets
// Manager, Parameter Store, S3 (moto; created through the AWS SDK), Secret Manager (gRPC stand-in) and Key Vault
// (HTTPS stand-in), and the chart renders the values; a missing secret fails as one line naming file and reference.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testEnv } from '../helpers/env.js';
import { startFakeAzureKv, type FakeAzureKv } from '../helpers/fake-azurekv.js';
import { startFakeGcpSecrets, type FakeGcpSecrets } from '../helpers/fake-gcpsecrets.js';
import { helmHome, type HelmHome } from '../helpers/helmhome.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { ROOT } from '../helpers/paths.js';
import { requireTool } from '../helpers/tools.js';

const CHART = join(ROOT, 'test/fixtures/chart');

describe('cloud reference providers through helm secrets -b vals template', function () {
  this.timeout(180_000);
  let moto: Moto;
  let gcp: FakeGcpSecrets;
  let kv: FakeAzureKv;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let vault: string;

  before(async function () {
    requireTool(this, 'moto_server');
    requireTool(this, 'openssl');
    [moto, gcp, kv] = await Promise.all([startMoto(), startFakeGcpSecrets(), startFakeAzureKv()]);
    dir = mkdtempSync(join(tmpdir(), 'hs-refs-helm-'));
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const client = { region: 'eu-west-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
    const sm = await import('@aws-sdk/client-secrets-manager');
    const smc = new sm.SecretsManagerClient(client);
    await smc.send(new sm.CreateSecretCommand({ Name: 'prod/db', SecretString: '{"password":"helm-sm-pw","port":5432}' }));
    smc.destroy();
    const ssm = await import('@aws-sdk/client-ssm');
    const ssmc = new ssm.SSMClient(client);
    await ssmc.send(new ssm.PutParameterCommand({ Name: '/prod/db/password', Value: 'helm-ssm-pw', Type: 'SecureString' }));
    ssmc.destroy();
    const s3 = await import('@aws-sdk/client-s3');
    const s3c = new s3.S3Client({ ...client, forcePathStyle: true });
    await s3c.send(new s3.CreateBucketCommand({ Bucket: 'cfg', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    await s3c.send(new s3.PutObjectCommand({ Bucket: 'cfg', Key: 'prod.yaml', Body: 'db:\n  password: helm-s3-pw\n' }));
    s3c.destroy();
    gcp.addVersion('proj', 'db', 'helm-gcp-pw');
    kv.setSecret('db-password', 'helm-az-pw');
    vault = new URL(kv.vaultUrl).host;

    env = {
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_EC2_METADATA_DISABLED: 'true',
      HELM_SECRETS_GCP_SECRETS_ENDPOINT: gcp.endpoint,
      GOOGLE_OAUTH_ACCESS_TOKEN: gcp.token,
      HELM_SECRETS_AZURE_ACCESS_TOKEN: kv.token,
      HELM_SECRETS_AZURE_KV_CA_FILE: kv.caFile,
      HELM_SECRETS_AZURE_KV_SKIP_CHALLENGE_CHECK: 'true',
      HELM_SECRETS_KEY_SERVICE_TIMEOUT: '10s',
      HELM_SECRETS_KEY_SERVICE_ATTEMPTS: '2',
    };
  });
  after(async () => {
    await Promise.all([moto?.stop(), gcp?.stop(), kv?.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs helm without blocking this process: the Secret Manager and Key Vault stand-ins answer from here. */
  function template(h: HelmHome, values: string, name: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    writeFileSync(join(dir, name), values);
    const e = testEnv({ ...env, ...h.env });
    delete e.HELM_PLUGINS;
    const child = spawn(h.helm, ['secrets', '-b', 'vals', 'template', 'x', CHART, '-f', name], { env: e, cwd: dir });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  }

  const cases: [provider: string, ref: () => string, value: string, version: 'v3' | 'v4'][] = [
    ['awssecrets', () => 'ref+awssecrets://prod/db?region=eu-west-1#/password', 'helm-sm-pw', 'v3'],
    ['awsssm', () => 'ref+awsssm://prod/db/password?region=eu-west-1', 'helm-ssm-pw', 'v4'],
    ['s3', () => 'ref+s3://cfg/prod.yaml?region=eu-west-1#/db/password', 'helm-s3-pw', 'v3'],
    ['gcpsecrets', () => 'ref+gcpsecrets://proj/db', 'helm-gcp-pw', 'v4'],
    ['azurekeyvault', () => `ref+azurekeyvault://${vault}/db-password`, 'helm-az-pw', 'v3'],
  ];
  for (const [provider, ref, value, version] of cases) {
    it(`${provider} (helm ${version}): the chart renders the resolved value`, async function () {
      const h = helmHome(this, version, testEnv());
      try {
        const r = await template(h, `global_secret: ${ref()}\nservice:\n  port: 8080\n`, `${provider}.yaml`);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`global_secret: "${value}"`), r.stdout);
        assert.match(r.stdout, /port: "8080"/);
      } finally {
        h.remove();
      }
    });
  }

  it('a missing secret stops the run: one line naming the file and the reference, nothing rendered', async function () {
    const h = helmHome(this, 'v3', testEnv());
    try {
      const r = await template(h, 'global_secret: ref+awssecrets://prod/missing?region=eu-west-1#/password\n', 'missing.yaml');
      assert.notEqual(r.code, 0);
      assert.equal(r.stdout, '');
      // (The query's value is masked in messages as every URL's is: src/redact.ts.)
      assert.match(r.stderr, /^\[helm-secrets\] vals error: missing\.yaml: ref\+awssecrets:\/\/prod\/missing\?region=\*\*\*#\/password: ResourceNotFoundException: /m, r.stderr);
      assert.doesNotMatch(r.stderr, /helm-sm-pw/);
    } finally {
      h.remove();
    }
  });
});
