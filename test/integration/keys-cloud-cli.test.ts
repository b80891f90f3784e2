// The built CLI with cloud keys: encrypt with --kms (moto), --gcp-kms and --hc-vault-transit (local servers),
// check the file's sops block names its keys the way sops writes them, decrypt it back, and fall past a dead key.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startFakeAzureKv } from '../helpers/fake-azurekv.js';
import { startFakeGcpKms, type FakeGcpKms } from '../helpers/fake-gcpkms.js';
import { startFakeVault, type FakeVault } from '../helpers/fake-vault.js';
import { spawn } from 'node:child_process';
import { testEnv } from '../helpers/env.js';
import { CLI } from '../helpers/paths.js';
import { createKmsKey, startMoto, type Moto } from '../helpers/moto.js';
import { requireTool } from '../helpers/tools.js';

const PLAIN = 'db:\n    user: app\n    password: s3cr3t-test-value\nport: 5432\n';
const GCP_KEY = 'projects/p/locations/global/keyRings/r/cryptoKeys/cli';

/**
 * Runs the built CLI without blocking this process: the fake servers live in it, so the
 * synchronous runCli would leave them unable to answer.
 */
function runCli(args: string[], opts: { env: NodeJS.ProcessEnv; cwd?: string }): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: opts.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 129, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

describe('CLI with cloud master keys', function () {
  this.timeout(120_000);
  let moto: Moto;
  let gcp: FakeGcpKms;
  let vault: FakeVault;
  let dir: string;
  let arn: string;
  let env: NodeJS.ProcessEnv;

  before(async function () {
    requireTool(this, 'moto_server');
    [moto, gcp, vault] = await Promise.all([startMoto(), startFakeGcpKms(), startFakeVault()]);
    arn = await createKmsKey(moto, 'eu-west-1');
    dir = mkdtempSync(join(tmpdir(), 'hs-cloud-cli-'));
    env = testEnv({
      ...moto.env,
      SOPS_GCP_KMS_ENDPOINT: gcp.endpoint,
      GOOGLE_OAUTH_ACCESS_TOKEN: 'ya29.cli',
      VAULT_TOKEN: vault.token,
      HELM_SECRETS_KEY_SERVICE_ATTEMPTS: '2',
    });
  });
  after(async () => {
    await Promise.all([moto?.stop(), gcp?.stop(), vault?.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('encrypts to three cloud kinds with sops field names and decrypts with any one of them', async () => {
    const file = join(dir, 'secrets.yaml');
    writeFileSync(file, PLAIN);
    const enc = await runCli(
      ['encrypt', '--kms', arn, '--encryption-context', 'app:web', '--gcp-kms', GCP_KEY, '--hc-vault-transit', `${vault.address}/v1/transit/keys/cli`, file],
      { env },
    );
    assert.equal(enc.code, 0, enc.stderr);
    const text = enc.stdout.toString('utf8');
    assert.doesNotMatch(text, /s3cr3t-test-value/);
    const sops = parse(text).sops as Record<string, Record<string, unknown>[]>;
    assert.deepEqual(Object.keys(sops.kms![0]!), ['arn', 'aws_profile', 'context', 'created_at', 'enc']);
    assert.deepEqual(sops.kms![0]!.context, { app: 'web' });
    assert.equal(sops.kms![0]!.aws_profile, '');
    assert.deepEqual(Object.keys(sops.gcp_kms![0]!), ['created_at', 'enc', 'resource_id']);
    assert.deepEqual(Object.keys(sops.hc_vault![0]!), ['created_at', 'enc', 'engine_path', 'key_name', 'vault_address']);
    const encFile = join(dir, 'secrets.enc.yaml');
    writeFileSync(encFile, text);

    const dec = await runCli(['decrypt', encFile], { env });
    assert.equal(dec.code, 0, dec.stderr);
    assert.equal(dec.stdout.toString('utf8'), PLAIN);

    // Vault and GCP unreachable: KMS alone opens it, after bounded retries of the others.
    const onlyKms = { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined, VAULT_TOKEN: 'revoked', SOPS_GCP_KMS_ENDPOINT: 'http://127.0.0.1:9', SOPS_DECRYPTION_ORDER: 'hc_vault,gcp_kms,kms' };
    const viaKms = await runCli(['decrypt', '--key-timeout', '2', encFile], { env: onlyKms });
    assert.equal(viaKms.code, 0, viaKms.stderr);
    assert.equal(viaKms.stdout.toString('utf8'), PLAIN);
    // The AWS SDK's Node.js version warning is not passed on to the user.
    assert.doesNotMatch(viaKms.stderr, /NodeVersionSupportWarning|AWS SDK/);

    // Nothing works: exit 128 and one line naming each key and its cause.
    const none = await runCli(['decrypt', '--key-timeout', '2', encFile], { env: { ...onlyKms, AWS_ENDPOINT_URL_KMS: 'http://127.0.0.1:9' } });
    assert.equal(none.code, 128, none.stderr);
    assert.match(none.stderr, /hc_vault http:\/\/127\.0\.0\.1:\d+\/v1\/transit\/keys\/cli: .*permission denied/);
    assert.match(none.stderr, new RegExp(`gcp_kms ${GCP_KEY}: `));
    assert.match(none.stderr, /kms arn:aws:kms:eu-west-1:\d+:key\/[\w-]+: .*after 2 attempts/);
    assert.doesNotMatch(none.stderr, /s3cr3t-test-value/);
  });

  it('encrypts to Azure Key Vault through the bundled CLI and decrypts', async function () {
    requireTool(this, 'openssl');
    const kv = await startFakeAzureKv();
    try {
      const version = kv.createKey('cli');
      const azEnv = {
        ...env,
        HELM_SECRETS_AZURE_ACCESS_TOKEN: kv.token,
        HELM_SECRETS_AZURE_KV_CA_FILE: kv.caFile,
        HELM_SECRETS_AZURE_KV_SKIP_CHALLENGE_CHECK: 'true',
      };
      const file = join(dir, 'azure.yaml');
      writeFileSync(file, PLAIN);
      const enc = await runCli(['encrypt', '--azure-kv', `${kv.vaultUrl}/keys/cli`, file], { env: azEnv });
      assert.equal(enc.code, 0, enc.stderr);
      const entry = (parse(enc.stdout.toString('utf8')).sops.azure_kv as Record<string, string>[])[0]!;
      assert.deepEqual(Object.keys(entry), ['created_at', 'enc', 'name', 'vault_url', 'version']);
      assert.deepEqual([entry.vault_url, entry.name, entry.version], [kv.vaultUrl, 'cli', version]);
      const encFile = join(dir, 'azure.enc.yaml');
      writeFileSync(encFile, enc.stdout);
      const dec = await runCli(['decrypt', encFile], { env: azEnv });
      assert.equal(dec.code, 0, dec.stderr);
      assert.equal(dec.stdout.toString('utf8'), PLAIN);
    } finally {
      await kv.stop();
    }
  });

  it('follows a creation rule with cloud key groups and a Shamir threshold', async () => {
    const ruleDir = mkdtempSync(join(dir, 'rule-'));
    writeFileSync(
      join(ruleDir, '.sops.yaml'),
      [
        'creation_rules:',
        '  - path_regex: \\.yaml$',
        '    shamir_threshold: 2',
        '    key_groups:',
        '      - kms:',
        `          - arn: ${arn}`,
        '            context:',
        '              team: platform',
        '      - gcp_kms:',
        `          - resource_id: ${GCP_KEY}`,
        '      - hc_vault:',
        `          - ${vault.address}/v1/transit/keys/rule`,
        '',
      ].join('\n'),
    );
    const file = join(ruleDir, 'values.yaml');
    writeFileSync(file, PLAIN);
    const enc = await runCli(['encrypt', file], { env, cwd: ruleDir });
    assert.equal(enc.code, 0, enc.stderr);
    const sops = parse(enc.stdout.toString('utf8')).sops as { shamir_threshold: number; key_groups: Record<string, Record<string, unknown>[]>[] };
    assert.equal(sops.shamir_threshold, 2);
    assert.deepEqual(sops.key_groups.map((g) => Object.keys(g).filter((k) => (g[k] ?? []).length > 0)), [['kms'], ['gcp_kms'], ['hc_vault']]);
    assert.deepEqual(sops.key_groups[0]!.kms![0]!.context, { team: 'platform' });
    const encFile = join(ruleDir, 'values.enc.yaml');
    writeFileSync(encFile, enc.stdout);
    // Vault refuses (bad token): the KMS and GCP groups are two of three, enough.
    const dec = await runCli(['decrypt', encFile], { env: { ...env, VAULT_TOKEN: 'revoked' }, cwd: ruleDir });
    assert.equal(dec.code, 0, dec.stderr);
    assert.equal(dec.stdout.toString('utf8'), PLAIN);
    // GCP unreachable as well: one group is not enough.
    const one = await runCli(['decrypt', '--key-timeout', '1', encFile], { env: { ...env, VAULT_TOKEN: 'revoked', SOPS_GCP_KMS_ENDPOINT: 'http://127.0.0.1:9' }, cwd: ruleDir });
    assert.equal(one.code, 128, one.stderr);
    assert.doesNotMatch(one.stderr, /s3cr3t-test-value/);
  });
});
