// Key flags and their SOPS_* variables as key specs, and how they combine with a creation rule.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keySpecsFromFlags, resolveEncryptionSettings, type EncryptionFlags } from '../../src/config/config.js';
import { ExitCode, SopsError } from '../../src/errors.js';

const AGE_A = 'age1je6kjhzuhdjy3fqptpttxjh5k8q46vygzlgtpuq3030c947pc5tqz9dqvr';
const AGE_B = 'age19j4d6v9j7rx5fs629fu387qz4zmlpsqjexa4s08tkfrrmfdl5cwqjlaupd';

function code(fn: () => unknown): number {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SopsError);
    return err.code;
  }
  return -1;
}

describe('config: key flags and environment variables', () => {
  it('nothing given → undefined', () => {
    assert.equal(keySpecsFromFlags({}, {}), undefined);
    assert.equal(keySpecsFromFlags({ keys: { age: [''] } }, { SOPS_AGE_RECIPIENTS: '' }), undefined);
  });

  it('flags in sops order kms, gcp, azure, pgp, vault, age; repeated flags and commas', () => {
    const specs = keySpecsFromFlags(
      {
        keys: {
          age: [`${AGE_A}, ${AGE_B}`],
          pgp: ['AAAA BBBB', 'CCCC'],
          kms: ['arn:aws:kms:us-east-1:1:key/a+arn:aws:iam::1:role/r'],
          'gcp-kms': ['projects/p/locations/l/keyRings/r/cryptoKeys/k'],
          'azure-kv': ['https://v.vault.azure.net/keys/k/1'],
          'hc-vault-transit': ['https://vault:8200/v1/transit/keys/k'],
        },
        encryptionContext: 'a:b,c:d',
        awsProfile: 'dev',
      },
      {},
    );
    assert.deepEqual(
      specs?.map((s) => s.kind),
      ['kms', 'gcp_kms', 'azure_kv', 'pgp', 'pgp', 'hc_vault', 'age', 'age'],
    );
    assert.deepEqual(specs?.[0]?.fields, {
      arn: 'arn:aws:kms:us-east-1:1:key/a',
      role: 'arn:aws:iam::1:role/r',
      context: { a: 'b', c: 'd' },
      aws_profile: 'dev',
    });
    assert.deepEqual(specs?.[3]?.fields, { fp: 'AAAABBBB' });
    assert.deepEqual(specs?.[7]?.fields, { recipient: AGE_B });
  });

  it('HuaweiCloud KMS (--hckms, SOPS_HUAWEICLOUD_KMS_IDS) is refused when parsed, saying so', () => {
    const refused = (fn: () => unknown) =>
      assert.throws(fn, (err: unknown) => err instanceof SopsError && /HuaweiCloud KMS keys \(hckms\) are not supported/.test(err.message));
    refused(() => keySpecsFromFlags({ keys: { hckms: ['cn-north-4:id'] } }, {}));
    refused(() => keySpecsFromFlags({ keys: { age: [AGE_A] } }, { SOPS_HUAWEICLOUD_KMS_IDS: 'r:u' }));
  });

  it('each flag falls back to its own variable', () => {
    const env = {
      SOPS_AGE_RECIPIENTS: AGE_A,
      SOPS_PGP_FP: 'F1,F2',
      SOPS_KMS_ARN: 'arn:aws:kms:eu-west-1:1:key/k',
      SOPS_GCP_KMS_IDS: 'projects/p/locations/l/keyRings/r/cryptoKeys/k',
      SOPS_AZURE_KEYVAULT_URLS: 'https://v.vault.azure.net/keys/k',
      SOPS_VAULT_URIS: 'https://vault:8200/v1/transit/keys/k',
    };
    const specs = keySpecsFromFlags({}, env)!;
    assert.deepEqual(
      specs.map((s) => s.kind),
      ['kms', 'gcp_kms', 'azure_kv', 'pgp', 'pgp', 'hc_vault', 'age'],
    );
    assert.deepEqual(specs[0]!.fields, { arn: 'arn:aws:kms:eu-west-1:1:key/k', aws_profile: '' });
    // A flag replaces only its own variable.
    const mixed = keySpecsFromFlags({ keys: { age: [AGE_B] } }, { SOPS_AGE_RECIPIENTS: AGE_A, SOPS_PGP_FP: 'F1' })!;
    assert.deepEqual(mixed, [
      { kind: 'pgp', fields: { fp: 'F1' } },
      { kind: 'age', fields: { recipient: AGE_B } },
    ]);
  });

  it('a malformed --encryption-context is exit 6', () => {
    assert.equal(code(() => keySpecsFromFlags({ keys: { kms: ['arn:x'] }, encryptionContext: 'novalue' }, {})), ExitCode.InvalidKMSEncryptionContextFormat);
    assert.equal(code(() => keySpecsFromFlags({ keys: { kms: ['arn:x'] }, encryptionContext: 'a:b:c' }, {})), ExitCode.InvalidKMSEncryptionContextFormat);
  });
});

describe('config: resolveEncryptionSettings', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'cfg-resolve-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const resolveIn = (flags: EncryptionFlags = {}, env: NodeJS.ProcessEnv = {}) =>
    resolveEncryptionSettings({ filePath: 'x.yaml', cwd: root, env, flags });

  it('uses the rule: keys, threshold, rule, mac_only_encrypted and stores', () => {
    writeFileSync(
      join(root, '.sops.yaml'),
      `stores: {yaml: {indent: 2}}\ncreation_rules:\n  - encrypted_regex: ^data$\n    mac_only_encrypted: true\n    shamir_threshold: 2\n    key_groups:\n      - age: [${AGE_A}]\n      - age: [${AGE_B}]\n`,
    );
    const s = resolveIn();
    assert.equal(s.keyGroups.length, 2);
    assert.equal(s.shamirThreshold, 2);
    assert.deepEqual(s.rule, { kind: 'encrypted_regex', value: '^data$' });
    assert.equal(s.macOnlyEncrypted, true);
    assert.deepEqual(s.stores, { yaml: { indent: 2 } });
    assert.deepEqual(resolveIn({ indent: 6 }).stores.json, { indent: 6 });
  });

  it('flags (or variables) replace the rule keys with one group; rule settings still apply', () => {
    writeFileSync(join(root, '.sops.yaml'), `creation_rules:\n  - encrypted_suffix: _secret\n    pgp: FFFF\n`);
    const s = resolveIn({}, { SOPS_AGE_RECIPIENTS: AGE_A });
    assert.deepEqual(s.keyGroups, [[{ kind: 'age', fields: { recipient: AGE_A } }]]);
    assert.deepEqual(s.rule, { kind: 'encrypted_suffix', value: '_secret' });
    // The same rule kind from the CLI overrides the value; a different kind conflicts (exit 8).
    assert.deepEqual(resolveIn({ rule: { kind: 'encrypted_suffix', value: '_x' } }).rule, { kind: 'encrypted_suffix', value: '_x' });
    assert.equal(code(() => resolveIn({ rule: { kind: 'encrypted_regex', value: 'x' } })), ExitCode.ConflictingParameters);
  });

  it('the --encryption-context reaches the rule single-group kms keys', () => {
    writeFileSync(join(root, '.sops.yaml'), `creation_rules:\n  - kms: arn:aws:kms:us-east-1:1:key/a\n    aws_profile: p\n`);
    const s = resolveIn({ encryptionContext: 'k:v' });
    assert.deepEqual(s.keyGroups, [[{ kind: 'kms', fields: { arn: 'arn:aws:kms:us-east-1:1:key/a', aws_profile: 'p', context: { k: 'v' } } }]]);
    assert.equal(code(() => resolveIn({ encryptionContext: 'bad' })), ExitCode.InvalidKMSEncryptionContextFormat);
  });

  it('a config with no matching rule fails even when keys are given, as in sops', () => {
    writeFileSync(join(root, '.sops.yaml'), `creation_rules:\n  - path_regex: ^other$\n    pgp: F\n`);
    assert.equal(code(() => resolveIn({ keys: { age: [AGE_A] } })), ExitCode.Generic);
  });

  it('no config and no keys → a clear error; keys alone are enough', () => {
    const other = mkdtempSync(join(tmpdir(), 'cfg-none-'));
    try {
      const env = { SOPS_CONFIG: '' };
      assert.throws(
        () => resolveEncryptionSettings({ filePath: 'x', cwd: other, env, configPath: undefined, flags: {} }),
        (err: unknown) => err instanceof SopsError && /^config file not found, or has no creation rules, and no keys provided through command line options/.test(err.message) && !/undefined/.test(err.message) || (err instanceof SopsError && /could not|no matching/.test(err.message)),
      );
      const s = resolveEncryptionSettings({ filePath: 'x', cwd: other, env, flags: { keys: { age: [AGE_A] } }, configPath: undefined });
      assert.deepEqual(s.keyGroups, [[{ kind: 'age', fields: { recipient: AGE_A } }]]);
      assert.equal(s.rule, undefined);
      assert.equal(s.macOnlyEncrypted, false);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('an explicit --config path is used instead of the search', () => {
    writeFileSync(join(root, 'alt.yaml'), `creation_rules:\n  - pgp: ALT\n`);
    const s = resolveEncryptionSettings({ filePath: 'x', cwd: root, env: {}, configPath: 'alt.yaml', flags: {} });
    assert.deepEqual(s.keyGroups, [[{ kind: 'pgp', fields: { fp: 'ALT' } }]]);
    assert.equal(s.configPath, join(root, 'alt.yaml'));
  });
});
