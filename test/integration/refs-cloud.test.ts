// The cloud reference providers end to end at the resolver: real SDK clients against moto (Secrets Manager,
// Parameter Store, S3; the data created through the AWS SDK), a gRPC Secret Manager built from the package's own
// protos, and an HTTPS Key Vault with its challenge. Per provider: what vals resolves, and one test for each class
// of failure (not found, denied, unreachable, malformed), each a RefError naming the reference and the file and
// never a value.
import assert from 'node:assert/strict';
import { RefError } from '../../src/errors.js';
import { evalTree, evalYaml, getRef } from '../../src/refs/resolve.js';
import { startFakeAzureKv, type FakeAzureKv } from '../helpers/fake-azurekv.js';
import { startFakeGcpSecrets, type FakeGcpSecrets } from '../helpers/fake-gcpsecrets.js';
import { freePort, startMoto, type Moto } from '../helpers/moto.js';
import { requireTool } from '../helpers/tools.js';

const FILE = 'values/prod.yaml';
const creds = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** The RefError a resolution fails with. */
async function failure(text: string, env: NodeJS.ProcessEnv, attempts = 1, timeoutMs = 2000): Promise<RefError> {
  try {
    await evalYaml(text, { env, file: FILE, baseDir: '/', attempts, timeoutMs });
  } catch (err) {
    assert.ok(err instanceof RefError, `not a RefError: ${String(err)}`);
    return err;
  }
  assert.fail('the resolution did not fail');
}

/** The one-line message names the file and the reference, and holds none of `secrets`. */
function assertNamed(err: RefError, ref: string, reason: string, secrets: string[] = []): void {
  const line = err.oneLine();
  assert.equal(err.reason, reason, line);
  assert.equal(err.file, FILE);
  assert.ok(err.message.startsWith(`${ref}: `), err.message);
  assert.ok(line.startsWith(`${FILE}: ref+`), line);
  assert.doesNotMatch(line, /\n/);
  for (const s of secrets) assert.ok(!line.includes(s), `${line} shows a value`);
}

describe('cloud reference providers (resolver level, real SDKs against local stores)', function () {
  this.timeout(120_000);
  let moto: Moto;
  let env: NodeJS.ProcessEnv;
  let closedPort: number;
  let secretArn: string;
  let s3Version1: string;

  before(async function () {
    requireTool(this, 'moto_server');
    moto = await startMoto();
    closedPort = await freePort();
    env = {
      PATH: process.env.PATH,
      HOME: '/nonexistent-home',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const client = { region: 'us-east-1', endpoint: moto.endpoint, credentials: creds };
    const sm = await import('@aws-sdk/client-secrets-manager');
    const smc = new sm.SecretsManagerClient(client);
    const created = await smc.send(new sm.CreateSecretCommand({ Name: 'prod/db', SecretString: '{"password":"sm-pw-1","port":5432}' }));
    secretArn = created.ARN!;
    await smc.send(new sm.CreateSecretCommand({ Name: 'plain', SecretString: 'plain-text-value' }));
    await smc.send(new sm.CreateSecretCommand({ Name: 'binary', SecretBinary: Buffer.from('binary-value') }));
    await smc.send(new sm.CreateSecretCommand({ Name: 'rotating', SecretString: 'current-value' }));
    await smc.send(new sm.PutSecretValueCommand({ SecretId: 'rotating', SecretString: 'pending-value', VersionStages: ['AWSPENDING'] }));
    await smc.send(new sm.CreateSecretCommand({ Name: 'split/meta', SecretString: 'github.com/helmfile/vals: [user, /pass]' }));
    await smc.send(new sm.CreateSecretCommand({ Name: 'split/user', SecretString: 'split-user' }));
    await smc.send(new sm.CreateSecretCommand({ Name: 'split/pass', SecretString: 'split-pass' }));
    smc.destroy();

    const ssm = await import('@aws-sdk/client-ssm');
    const ssmc = new ssm.SSMClient(client);
    const put = (Name: string, Value: string, Type: 'String' | 'SecureString' = 'String', Overwrite = false) =>
      ssmc.send(new ssm.PutParameterCommand({ Name, Value, Type, Overwrite }));
    await put('/app/db/password', 'ssm-pw-1', 'SecureString');
    await put('/app/db/password', 'ssm-pw-2', 'SecureString', true);
    await put('/app/db/user', 'admin');
    await put('/app/db/nested/x', 'deep-x');
    await put('/app/json', '{"k": "from-json", "n": 3}');
    // More than one page of GetParametersByPath (10 a page), and a name that is both a value and a path.
    for (let i = 0; i < 25; i++) await put(`/many/p${i}`, `v${i}`);
    await put('/tree/x', 'leaf-x');
    await put('/tree/x/y', 'leaf-y');
    ssmc.destroy();

    const s3 = await import('@aws-sdk/client-s3');
    const s3c = new s3.S3Client({ ...client, forcePathStyle: true });
    await s3c.send(new s3.CreateBucketCommand({ Bucket: 'cfg' }));
    await s3c.send(new s3.PutBucketVersioningCommand({ Bucket: 'cfg', VersioningConfiguration: { Status: 'Enabled' } }));
    const v1 = await s3c.send(new s3.PutObjectCommand({ Bucket: 'cfg', Key: 'app/values.yaml', Body: 'db:\n  password: s3-pw-1\n' }));
    s3Version1 = v1.VersionId!;
    await s3c.send(new s3.PutObjectCommand({ Bucket: 'cfg', Key: 'app/values.yaml', Body: 'db:\n  password: s3-pw-2\n  port: 5432\n' }));
    await s3c.send(new s3.PutObjectCommand({ Bucket: 'cfg', Key: 'plain.txt', Body: 's3-plain-text' }));
    s3c.destroy();
  });
  after(async () => {
    await moto?.stop();
  });

  describe('awssecrets', () => {
    it('resolves whole secrets, JSON fragments with their types, binary secrets, stages, ARNs and split secrets', async () => {
      const out = await evalYaml(
        [
          'pw: ref+awssecrets://prod/db#/password',
          'port: ref+awssecrets://prod/db#/port',
          'plain: ref+awssecrets://plain',
          'bin: ref+awssecrets://binary',
          'pending: ref+awssecrets://rotating?version_stage=AWSPENDING',
          'current: ref+awssecrets://rotating',
          `arn: ref+awssecrets://${secretArn}#/password`,
          'splituser: ref+awssecrets://split#/user',
          'splitpass: ref+awssecrets://split#/pass',
          'inline: "user=ref+awssecrets://plain+;"',
        ].join('\n'),
        { env, file: FILE, baseDir: '/' },
      );
      assert.equal(
        out,
        [
          `arn: sm-pw-1`,
          'bin: binary-value',
          'current: current-value',
          'inline: user=plain-text-value;',
          'pending: pending-value',
          'plain: plain-text-value',
          'port: 5432',
          'pw: sm-pw-1',
          'splitpass: split-pass',
          'splituser: split-user',
          '',
        ].join('\n'),
      );
    });

    it('an ARN is read in its own region, whatever AWS_REGION says; region= still wins', async () => {
      assert.equal(await getRef(`ref+awssecrets://${secretArn}#/password`, { env: { ...env, AWS_REGION: 'eu-west-1' }, baseDir: '/' }), 'sm-pw-1');
      const err = await failure(`a: ref+awssecrets://${secretArn}?region=eu-west-1#/password`, env);
      assert.equal(err.reason, 'not-found', err.message);
    });

    it('role_arn: the secret is read with the credentials of the role, assumed through STS', async () => {
      const out = await getRef('ref+awssecrets://plain?role_arn=arn:aws:iam::123456789012:role/reader', { env, baseDir: '/' });
      assert.equal(out, 'plain-text-value');
      const err = await failure('a: ref+awssecrets://plain?role_arn=arn:aws:iam::123456789012:role/reader', { ...env, AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${closedPort}` });
      assertNamed(err, 'ref+awssecrets://plain?role_arn=arn:aws:iam::123456789012:role/reader', 'unreachable');
      assert.match(err.message, /failed to assume role/);
    });

    it('a missing secret is not-found', async () => {
      const err = await failure('a: ref+awssecrets://nope#/x', env);
      assertNamed(err, 'ref+awssecrets://nope#/x', 'not-found');
      assert.match(err.message, /ResourceNotFoundException/);
    });

    it('a denied read is denied (moto with its IAM checks on, and credentials it does not know)', async () => {
      const strict = await startMoto({ INITIAL_NO_AUTH_ACTION_COUNT: '0' });
      try {
        const err = await failure('a: ref+awssecrets://prod/db#/password', { ...env, AWS_ENDPOINT_URL: strict.endpoint }, 1, 15_000);
        assertNamed(err, 'ref+awssecrets://prod/db#/password', 'denied', ['sm-pw-1']);
      } finally {
        await strict.stop();
      }
    });

    it('an unreachable store is unreachable, after the bounded attempts', async () => {
      const err = await failure('a: ref+awssecrets://prod/db', { ...env, AWS_ENDPOINT_URL: `http://127.0.0.1:${closedPort}` }, 2);
      assertNamed(err, 'ref+awssecrets://prod/db', 'unreachable');
      assert.match(err.message, /\(after 2 attempts\)$/);
    });

    it('a reference with no secret name is malformed', async () => {
      assertNamed(await failure('a: ref+awssecrets://?region=us-east-1', env), 'ref+awssecrets://?region=us-east-1', 'malformed');
    });
  });

  describe('awsssm', () => {
    it('resolves single parameters, versions, paths (one level or recursive) and singleparam documents', async () => {
      const out = await evalYaml(
        [
          'user: ref+awsssm://app/db/user',
          'pw: ref+awsssm:///app/db/password',
          'pw1: ref+awsssm://app/db/password?version=1',
          'bypath: ref+awsssm://app/db#/user',
          'deep: ref+awsssm://app?recursive=true#/db/nested/x',
          'single: ref+awsssm://app/json?mode=singleparam#/k',
          'num: ref+awsssm://app/json?mode=singleparam#/n',
        ].join('\n'),
        { env, file: FILE, baseDir: '/' },
      );
      assert.equal(out, 'bypath: admin\ndeep: deep-x\nnum: 3\npw: ssm-pw-2\npw1: ssm-pw-1\nsingle: from-json\nuser: admin\n');
    });

    it('lists every page of a path, and a name that is also a path becomes the path (recursive), as in vals', async () => {
      const out = await evalTree(
        { first: 'ref+awsssm://many#/p0', last: 'ref+awsssm://many#/p24', y: 'ref+awsssm://tree?recursive=true#/x/y' },
        { env, file: FILE, baseDir: '/' },
      );
      assert.deepEqual(out, { first: 'v0', last: 'v24', y: 'leaf-y' });
    });

    it('a missing parameter, a missing version and an empty path are not-found', async () => {
      assertNamed(await failure('a: ref+awsssm://app/nope', env), 'ref+awsssm://app/nope', 'not-found');
      assertNamed(await failure('a: ref+awsssm://app/db/user?version=9', env), 'ref+awsssm://app/db/user?version=9', 'not-found');
      assertNamed(await failure('a: ref+awsssm://nothing/here#/x', env), 'ref+awsssm://nothing/here#/x', 'not-found');
    });

    it('a denied read is denied', async () => {
      const strict = await startMoto({ INITIAL_NO_AUTH_ACTION_COUNT: '0' });
      try {
        const err = await failure('a: ref+awsssm://app/db/password', { ...env, AWS_ENDPOINT_URL: strict.endpoint }, 1, 15_000);
        assertNamed(err, 'ref+awsssm://app/db/password', 'denied', ['ssm-pw']);
      } finally {
        await strict.stop();
      }
    });

    it('an unreachable store is unreachable', async () => {
      const err = await failure('a: ref+awsssm://app/db/user', { ...env, AWS_ENDPOINT_URL_SSM: `http://127.0.0.1:${closedPort}` });
      assertNamed(err, 'ref+awsssm://app/db/user', 'unreachable');
    });

    it('a version that is not a number is malformed', async () => {
      assertNamed(await failure('a: ref+awsssm://app/db/user?version=latest', env), 'ref+awsssm://app/db/user?version=latest', 'malformed');
    });
  });

  describe('s3', () => {
    it('resolves an object as text, a YAML object by fragment, and one version of it', async () => {
      const out = await evalYaml(
        [
          'plain: ref+s3://cfg/plain.txt',
          'pw: ref+s3://cfg/app/values.yaml#/db/password',
          'port: ref+s3://cfg/app/values.yaml#/db/port',
          `old: ref+s3://cfg/app/values.yaml?version_id=${s3Version1}#/db/password`,
        ].join('\n'),
        { env, file: FILE, baseDir: '/' },
      );
      assert.equal(out, 'old: s3-pw-1\nplain: s3-plain-text\nport: 5432\npw: s3-pw-2\n');
    });

    it('a missing object or bucket is not-found', async () => {
      assertNamed(await failure('a: ref+s3://cfg/nope.txt', env), 'ref+s3://cfg/nope.txt', 'not-found');
      assertNamed(await failure('a: ref+s3://no-bucket/x', env), 'ref+s3://no-bucket/x', 'not-found');
    });

    it('a denied read is denied', async () => {
      const strict = await startMoto({ INITIAL_NO_AUTH_ACTION_COUNT: '0' });
      try {
        const err = await failure('a: ref+s3://cfg/plain.txt', { ...env, AWS_ENDPOINT_URL: strict.endpoint }, 1, 15_000);
        assertNamed(err, 'ref+s3://cfg/plain.txt', 'denied', ['s3-plain-text']);
      } finally {
        await strict.stop();
      }
    });

    it('an unreachable store is unreachable', async () => {
      const err = await failure('a: ref+s3://cfg/plain.txt', { ...env, AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${closedPort}` });
      assertNamed(err, 'ref+s3://cfg/plain.txt', 'unreachable');
    });

    it('a reference without an object key is malformed', async () => {
      assertNamed(await failure('a: ref+s3://cfg', env), 'ref+s3://cfg', 'malformed');
    });
  });

  describe('gcpsecrets', () => {
    let gcp: FakeGcpSecrets;
    let genv: NodeJS.ProcessEnv;
    before(async () => {
      gcp = await startFakeGcpSecrets();
      gcp.addVersion('proj', 'db', '{"password": "gcp-pw-1"}');
      gcp.addVersion('proj', 'db', '{"password": "gcp-pw-2", "port": 5432}');
      gcp.addVersion('proj', 'cert', 'line\n');
      gcp.addVersion('other', 'token', 'other-project-token');
      genv = { PATH: process.env.PATH, HOME: '/nonexistent-home', HELM_SECRETS_GCP_SECRETS_ENDPOINT: gcp.endpoint, GOOGLE_OAUTH_ACCESS_TOKEN: gcp.token };
    });
    after(async () => gcp?.stop());
    beforeEach(() => {
      gcp.plan = [];
      gcp.fallback = 'ok';
    });

    it('resolves the latest or a numbered version, fragments, GCP_PROJECT, trim_nl, optional and fallback_value', async () => {
      const out = await evalYaml(
        [
          'pw: ref+gcpsecrets://proj/db#/password',
          'port: ref+gcpsecrets://proj/db#/port',
          'pw1: ref+gcpsecrets://proj/db?version=1#/password',
          'cert: ref+gcpsecrets://proj/cert?trim_nl=true',
          'token: ref+gcpsecrets://token',
          'opt: ref+gcpsecrets://proj/missing?optional=true',
          'fb: ref+gcpsecrets://proj/missing?fallback_value=default-value',
        ].join('\n'),
        { env: { ...genv, GCP_PROJECT: 'other' }, file: FILE, baseDir: '/' },
      );
      assert.equal(out, 'cert: line\nfb: default-value\nopt: ""\nport: 5432\npw: gcp-pw-2\npw1: gcp-pw-1\ntoken: other-project-token\n');
      assert.ok(gcp.calls.every((c) => c.authorization === `Bearer ${gcp.token}`));
      // One fetch for the two fragments into the same version.
      assert.equal(gcp.calls.filter((c) => c.name === 'projects/proj/secrets/db/versions/latest').length, 1);
    });

    it('a throttled or unavailable store is retried within the attempts', async () => {
      gcp.plan = ['unavailable', 'throttle'];
      assert.equal(await getRef('ref+gcpsecrets://proj/db#/password', { env: genv, baseDir: '/', attempts: 3, timeoutMs: 2000 }), 'gcp-pw-2');
      assert.equal(gcp.calls.slice(-3).length, 3);
    });

    it('a missing secret or version is not-found', async () => {
      assertNamed(await failure('a: ref+gcpsecrets://proj/nope', genv), 'ref+gcpsecrets://proj/nope', 'not-found');
      assertNamed(await failure('a: ref+gcpsecrets://proj/db?version=7', genv), 'ref+gcpsecrets://proj/db?version=7', 'not-found');
    });

    it('a denied read is denied', async () => {
      const err = await failure('a: ref+gcpsecrets://proj/db#/password', { ...genv, GOOGLE_OAUTH_ACCESS_TOKEN: 'ya29.not-allowed' });
      assertNamed(err, 'ref+gcpsecrets://proj/db#/password', 'denied', ['gcp-pw', 'ya29.not-allowed']);
      assert.match(err.message, /PERMISSION_DENIED/);
    });

    it('an unreachable store is unreachable, after the bounded attempts', async () => {
      const err = await failure('a: ref+gcpsecrets://proj/db', { ...genv, HELM_SECRETS_GCP_SECRETS_ENDPOINT: `http://127.0.0.1:${closedPort}` }, 2);
      assertNamed(err, 'ref+gcpsecrets://proj/db', 'unreachable');
      assert.match(err.message, /after 2 attempts/);
    });

    it('a store that does not answer is cut at the timeout', async () => {
      gcp.fallback = 'hang';
      const started = Date.now();
      await assert.rejects(getRef('ref+gcpsecrets://proj/db', { env: genv, baseDir: '/', attempts: 1, timeoutMs: 300 }), (err: RefError) => {
        assert.equal(err.reason, 'unreachable');
        assert.match(err.message, /timed out after 300ms/);
        return true;
      });
      assert.ok(Date.now() - started < 5000);
    });

    it('no project (and no GCP_PROJECT) is malformed', async () => {
      assertNamed(await failure('a: ref+gcpsecrets://lonely', genv), 'ref+gcpsecrets://lonely', 'malformed');
    });
  });

  describe('azurekeyvault', () => {
    let kv: FakeAzureKv;
    let aenv: NodeJS.ProcessEnv;
    let vault: string;
    let v1: string;
    before(async function () {
      requireTool(this, 'openssl');
      kv = await startFakeAzureKv();
      v1 = kv.setSecret('db-password', 'az-pw-1');
      kv.setSecret('db-password', 'az-pw-2');
      kv.setSecret('doc', 'user: az-user\nport: 5432\n');
      vault = new URL(kv.vaultUrl).host;
      aenv = {
        PATH: process.env.PATH,
        HOME: '/nonexistent-home',
        HELM_SECRETS_AZURE_ACCESS_TOKEN: kv.token,
        HELM_SECRETS_AZURE_KV_CA_FILE: kv.caFile,
        HELM_SECRETS_AZURE_KV_SKIP_CHALLENGE_CHECK: 'true',
      };
    });
    after(async () => kv?.stop());
    beforeEach(() => {
      kv.plan = [];
      kv.fallback = 'ok';
    });

    it('resolves the current version, a named version and a YAML fragment, through the bearer challenge', async () => {
      const out = await evalYaml(
        [`cur: ref+azurekeyvault://${vault}/db-password`, `old: ref+azurekeyvault://${vault}/db-password/${v1}`, `user: ref+azurekeyvault://${vault}/doc#/user`, `port: ref+azurekeyvault://${vault}/doc#/port`].join('\n'),
        { env: aenv, file: FILE, baseDir: '/' },
      );
      assert.equal(out, 'cur: az-pw-2\nold: az-pw-1\nport: 5432\nuser: az-user\n');
      // The challenge first (no token), then the token.
      assert.ok(kv.calls.some((c) => c.authorization === ''));
      assert.ok(kv.calls.some((c) => c.authorization === `Bearer ${kv.token}`));
    });

    it('a throttled store is retried within the attempts', async () => {
      kv.plan = ['throttle'];
      assert.equal(await getRef(`ref+azurekeyvault://${vault}/db-password`, { env: aenv, baseDir: '/', attempts: 2, timeoutMs: 5000 }), 'az-pw-2');
    });

    it('a missing secret is not-found', async () => {
      const err = await failure(`a: ref+azurekeyvault://${vault}/nope`, aenv);
      assertNamed(err, `ref+azurekeyvault://${vault}/nope`, 'not-found');
      assert.match(err.message, /SecretNotFound/);
    });

    it('a denied read is denied', async () => {
      const err = await failure(`a: ref+azurekeyvault://${vault}/db-password`, { ...aenv, HELM_SECRETS_AZURE_ACCESS_TOKEN: 'wrong-token' });
      assertNamed(err, `ref+azurekeyvault://${vault}/db-password`, 'denied', ['az-pw', 'wrong-token']);
    });

    it('an unreachable store is unreachable', async () => {
      const err = await failure(`a: ref+azurekeyvault://127.0.0.1:${closedPort}/db-password`, aenv, 2);
      assertNamed(err, `ref+azurekeyvault://127.0.0.1:${closedPort}/db-password`, 'unreachable');
    });

    it('a vault outside Key Vault\'s zones gets no credential unless private endpoints are allowed', async () => {
      const before = kv.calls.length;
      const strict = { ...aenv, HELM_SECRETS_AZURE_KV_SKIP_CHALLENGE_CHECK: '' };
      const err = await failure(`a: ref+azurekeyvault://${vault}/db-password`, strict);
      assertNamed(err, `ref+azurekeyvault://${vault}/db-password`, 'denied');
      assert.match(err.message, /is not a Key Vault host/);
      assert.equal(kv.calls.length, before);
    });

    it('AZKV_AUTH with a value vals does not know is refused before any call', async () => {
      const before = kv.calls.length;
      const err = await failure(`a: ref+azurekeyvault://${vault}/db-password`, { ...aenv, HELM_SECRETS_AZURE_ACCESS_TOKEN: '', AZKV_AUTH: 'password' });
      assert.match(err.message, /AZKV_AUTH/);
      assert.equal(kv.calls.length, before);
    });

    it('a reference without a secret name, or with too many parts, is malformed', async () => {
      assertNamed(await failure(`a: ref+azurekeyvault://${vault}`, aenv), `ref+azurekeyvault://${vault}`, 'malformed');
      assertNamed(await failure(`a: ref+azurekeyvault://${vault}/a/b/c`, aenv), `ref+azurekeyvault://${vault}/a/b/c`, 'malformed');
    });
  });
});
