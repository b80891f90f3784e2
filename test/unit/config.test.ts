// .sops.yaml: lookup from the CWD, loading, rule choice and the combination with flags — against the real
// configs shipped with sops and helm-secrets, and small configs written to temp dirs.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  creationRuleFor,
  findConfig,
  findConfigWithWarnings,
  loadConfig,
  parseConfig,
  resolveEncryptionSettings,
  storesConfigFor,
} from '../../src/config/config.js';
import { ExitCode, SopsError } from '../../src/errors.js';
import { HS_VECTORS, SOPS_VECTORS } from '../helpers/paths.js';

const AGE_A = 'age1je6kjhzuhdjy3fqptpttxjh5k8q46vygzlgtpuq3030c947pc5tqz9dqvr';
const AGE_B = 'age19j4d6v9j7rx5fs629fu387qz4zmlpsqjexa4s08tkfrrmfdl5cwqjlaupd';
const AGE_C = 'age13runq29jhy9kfpaegczrzttykerswh0qprq59msgd754yermtfmsa3hwg2';
const FP1 = 'FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4';
const FP2 = 'D7229043384BCC60326C6FB9D8720D957C3D3074';

function sopsError(fn: () => unknown, code: number, text: RegExp): SopsError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SopsError, `expected SopsError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.oneLine(), text);
    return err;
  }
  assert.fail('expected an error');
}

describe('config: the real .sops.yaml files', () => {
  const functional = join(SOPS_VECTORS, 'functional-tests', '.sops.yaml');
  const humphd = join(SOPS_VECTORS, 'external', 'humphd-sops-age', '.sops.yaml');
  const helmSecrets = join(HS_VECTORS, 'tests', 'assets', 'values', 'sops', '.sops.yaml');

  it('sops functional tests: key_groups rule gives two pgp groups', () => {
    const cfg = loadConfig(functional);
    assert.equal(cfg.creationRules?.length, 6);
    assert.equal(cfg.destinationRules?.length, 3);
    const rule = creationRuleFor(cfg, functional, join(SOPS_VECTORS, 'functional-tests', 'test_roundtrip_keygroups.yaml'));
    assert.deepEqual(rule?.keyGroups, [[{ kind: 'pgp', fields: { fp: FP1 } }], [{ kind: 'pgp', fields: { fp: FP2 } }]]);
  });

  it('sops functional tests: the second rule, not the first, for the _missing_decryption_key file', () => {
    const cfg = loadConfig(functional);
    const rule = creationRuleFor(
      cfg,
      functional,
      join(SOPS_VECTORS, 'functional-tests', 'test_roundtrip_keygroups_missing_decryption_key.yaml'),
    );
    assert.deepEqual(rule?.keyGroups[1], [{ kind: 'pgp', fields: { fp: 'B611A2F9F11D0FF82568805119F9B5DAEA91FF86' } }]);
  });

  it('sops functional tests: rules without keys give one empty group, and encrypting with them fails', () => {
    const cfg = loadConfig(functional);
    for (const name of ['test_no_keygroups.yaml', 'test_zero_keygroups.yaml', 'test_empty_keygroup.yaml']) {
      const file = join(SOPS_VECTORS, 'functional-tests', name);
      assert.deepEqual(creationRuleFor(cfg, functional, file)?.keyGroups, [[]], name);
      sopsError(
        () => resolveEncryptionSettings({ filePath: file, cwd: '/', env: {}, configPath: functional, flags: {} }),
        ExitCode.Generic,
        /no master keys were provided: .*empty key group/,
      );
    }
  });

  it('sops functional tests: any other file gets the catch-all pgp rule', () => {
    const cfg = loadConfig(functional);
    const rule = creationRuleFor(cfg, functional, join(SOPS_VECTORS, 'functional-tests', 'res', 'other.json'));
    assert.deepEqual(rule?.keyGroups, [[{ kind: 'pgp', fields: { fp: FP1 } }]]);
    assert.equal(rule?.rule, undefined);
  });

  it('humphd: the misspelt path_regexp is ignored, so the rule matches every file; comments are not keys', () => {
    const cfg = loadConfig(humphd);
    for (const file of ['tests/secret.yaml', 'tests/x.ini', '/elsewhere/a.txt']) {
      const rule = creationRuleFor(cfg, humphd, file.startsWith('/') ? file : join(SOPS_VECTORS, 'external', 'humphd-sops-age', file));
      assert.deepEqual(
        rule?.keyGroups,
        [[AGE_A, AGE_B, AGE_C].map((recipient) => ({ kind: 'age', fields: { recipient } }))],
        file,
      );
    }
  });

  it('helm-secrets: the single pgp rule', () => {
    const cfg = loadConfig(helmSecrets);
    const rule = creationRuleFor(cfg, helmSecrets, join(HS_VECTORS, 'tests', 'assets', 'values', 'sops', 'secrets.yaml'));
    assert.deepEqual(rule?.keyGroups, [[{ kind: 'pgp', fields: { fp: 'D6174A02027050E59C711075B430C4E58E2BBBA3' } }]]);
    const settings = resolveEncryptionSettings({
      filePath: 'secrets.yaml',
      cwd: join(HS_VECTORS, 'tests', 'assets', 'values', 'sops'),
      env: {},
      flags: {},
    });
    assert.equal(settings.configPath, helmSecrets);
    assert.deepEqual(settings.keyGroups, rule?.keyGroups);
    assert.equal(settings.macOnlyEncrypted, false);
    assert.equal(settings.rule, undefined);
  });
});

describe('config: lookup', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'cfg-find-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('searches .sops.yaml upward from the start directory', () => {
    mkdirSync(join(root, 'a', 'b', 'c'), { recursive: true });
    writeFileSync(join(root, 'a', '.sops.yaml'), 'creation_rules: []\n');
    assert.equal(findConfig(join(root, 'a', 'b', 'c'), {}), join(root, 'a', '.sops.yaml'));
    assert.equal(findConfig(join(root, 'a'), {}), join(root, 'a', '.sops.yaml'));
  });

  it('the nearest file wins', () => {
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    writeFileSync(join(root, 'a', '.sops.yaml'), '');
    writeFileSync(join(root, 'a', 'b', '.sops.yaml'), '');
    assert.equal(findConfig(join(root, 'a', 'b'), {}), join(root, 'a', 'b', '.sops.yaml'));
  });

  it('ignores .sops.yml with a warning, and still finds a .sops.yaml further up', () => {
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    writeFileSync(join(root, 'a', 'b', '.sops.yml'), '');
    const none = findConfigWithWarnings(join(root, 'a', 'b'), {});
    // Somewhere above the temp dir there might be a real .sops.yaml; only assert on the warning then.
    assert.match(none.warning ?? '', /ignoring ".*\.sops\.yml" when searching for config file; the config file must be called "\.sops\.yaml"/);
    writeFileSync(join(root, 'a', '.sops.yaml'), '');
    const found = findConfigWithWarnings(join(root, 'a', 'b'), {});
    assert.equal(found.path, join(root, 'a', '.sops.yaml'));
    assert.match(found.warning ?? '', /using ".*\/a\/\.sops\.yaml" instead/);
  });

  it('SOPS_CONFIG wins over the search, relative to the start directory', () => {
    writeFileSync(join(root, '.sops.yaml'), '');
    assert.equal(findConfig(root, { SOPS_CONFIG: 'custom.yaml' }), join(root, 'custom.yaml'));
    assert.equal(findConfig(root, { SOPS_CONFIG: '/x/y.yaml' }), '/x/y.yaml');
  });

  it('stores settings come from the found config, defaults otherwise', () => {
    writeFileSync(join(root, '.sops.yaml'), 'stores:\n  yaml:\n    indent: 2\n  json:\n    indent: 3\n  json_binary:\n    indent: 0\n');
    assert.deepEqual(storesConfigFor(join(root, 'x.yaml'), root, {}), { yaml: { indent: 2 }, json: { indent: 3 }, json_binary: { indent: 0 } });
    assert.deepEqual(storesConfigFor(join(root, 'x.yaml'), root, { SOPS_CONFIG: join(root, 'none.yaml') }, join(root, '.sops.yaml')).yaml, { indent: 2 });
  });

  it('a configured file that cannot be read is an error naming it', () => {
    const missing = join(root, 'missing.yaml');
    const err = sopsError(() => loadConfig(missing), ExitCode.Generic, /could not read config file: ENOENT/);
    assert.equal(err.file, missing);
  });
});

describe('config: loading and rule choice', () => {
  let root: string;
  let cfgPath: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'cfg-rules-'));
    cfgPath = join(root, '.sops.yaml');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function ruleFor(yaml: string, file: string, ctx?: Record<string, string>) {
    writeFileSync(cfgPath, yaml);
    return creationRuleFor(loadConfig(cfgPath), cfgPath, join(root, file), ctx);
  }

  it('path_regex is matched against the path relative to the config directory, first match wins', () => {
    const yaml = `creation_rules:
  - path_regex: ^secrets/.*\\.yaml$
    pgp: AAAA
  - path_regex: ^prod/
    pgp: BBBB
  - pgp: CCCC
`;
    assert.deepEqual(ruleFor(yaml, 'secrets/x.yaml')?.keyGroups, [[{ kind: 'pgp', fields: { fp: 'AAAA' } }]]);
    assert.deepEqual(ruleFor(yaml, 'prod/secrets/x.yaml')?.keyGroups, [[{ kind: 'pgp', fields: { fp: 'BBBB' } }]]);
    assert.deepEqual(ruleFor(yaml, 'other/secrets/x.yaml')?.keyGroups, [[{ kind: 'pgp', fields: { fp: 'CCCC' } }]]);
  });

  it('a file outside the config directory is matched by its absolute path', () => {
    writeFileSync(cfgPath, 'creation_rules:\n  - path_regex: ^/outside/\n    pgp: AAAA\n');
    assert.ok(creationRuleFor(loadConfig(cfgPath), cfgPath, '/outside/x.yaml'));
  });

  it('(?i) in path_regex', () => {
    assert.ok(ruleFor('creation_rules:\n  - path_regex: (?i)\\.YAML$\n    pgp: A\n', 'x.yaml'));
  });

  it('no matching rule is an error; no creation_rules means no rule', () => {
    const err = sopsError(
      () => ruleFor('creation_rules:\n  - path_regex: ^nope$\n    pgp: A\n', 'x.yaml'),
      ExitCode.Generic,
      /no matching creation rules found/,
    );
    assert.equal(err.file, cfgPath);
    sopsError(() => ruleFor('creation_rules: []\n', 'x.yaml'), ExitCode.Generic, /no matching creation rules found/);
    assert.equal(ruleFor('creation_rules:\n', 'x.yaml'), undefined);
    assert.equal(ruleFor('destination_rules:\n  - path_regex: x\n    s3_bucket: b\n', 'x.yaml'), undefined);
    assert.equal(ruleFor('', 'x.yaml'), undefined);
  });

  it('an invalid path_regex is an error', () => {
    sopsError(() => ruleFor('creation_rules:\n  - path_regex: "(?=x)"\n    pgp: A\n', 'x'), ExitCode.Generic, /can not compile regexp/);
  });

  it('single-group keys: comma strings trimmed, lists, every kind, in sops order', () => {
    const yaml = `creation_rules:
  - kms: "arn:aws:kms:us-east-1:1:key/a+arn:aws:iam::1:role/r, arn:aws:kms:us-east-1:1:key/b,"
    aws_profile: prof
    age: ["${AGE_A}", "${AGE_B}"]
    pgp: "85D7 7543 B3D6 24B6 3CEA 9E6D BC17 301B 491B 3F21, ${FP1}!"
    gcp_kms: projects/p/locations/global/keyRings/r/cryptoKeys/k
    azure_keyvault: https://v.vault.azure.net/keys/k/123, https://w.vault.azure.net/keys/k2
    hc_vault_transit_uri: https://vault.example.com:8200/v1/transit/keys/k, http://127.0.0.1:8200/v1/a/b/keys/n
`;
    const rule = ruleFor(yaml, 'x.yaml', { Env: 'prod' })!;
    assert.equal(rule.awsProfile, 'prof');
    assert.deepEqual(rule.keyGroups, [
      [
        { kind: 'age', fields: { recipient: AGE_A } },
        { kind: 'age', fields: { recipient: AGE_B } },
        { kind: 'pgp', fields: { fp: '85D77543B3D624B63CEA9E6DBC17301B491B3F21' } },
        { kind: 'pgp', fields: { fp: `${FP1}!` } },
        {
          kind: 'kms',
          fields: { arn: 'arn:aws:kms:us-east-1:1:key/a', aws_profile: 'prof', role: 'arn:aws:iam::1:role/r', context: { Env: 'prod' } },
        },
        { kind: 'kms', fields: { arn: 'arn:aws:kms:us-east-1:1:key/b', aws_profile: 'prof', context: { Env: 'prod' } } },
        { kind: 'gcp_kms', fields: { resource_id: 'projects/p/locations/global/keyRings/r/cryptoKeys/k' } },
        { kind: 'azure_kv', fields: { vault_url: 'https://v.vault.azure.net', name: 'k', version: '123' } },
        { kind: 'azure_kv', fields: { vault_url: 'https://w.vault.azure.net', name: 'k2', version: '' } },
        { kind: 'hc_vault', fields: { vault_address: 'https://vault.example.com:8200', engine_path: 'transit', key_name: 'k' } },
        { kind: 'hc_vault', fields: { vault_address: 'http://127.0.0.1:8200', engine_path: 'a/b', key_name: 'n' } },
      ],
    ]);
  });

  it('key_groups: objects for every kind, merge, and duplicate removal within a group', () => {
    const yaml = `common: &common
  age: ["${AGE_A}"]
creation_rules:
  - shamir_threshold: 2
    key_groups:
      - merge:
          - *common
          - pgp: [${FP1}]
        age: ["${AGE_A}", "${AGE_C}"]
        pgp: [${FP1}]
      - kms:
          - arn: arn:aws:kms:eu-west-1:1:key/x
            role: arn:aws:iam::1:role/r
            context: {App: web, Tier: "1"}
            aws_profile: p
        gcp_kms: [{resource_id: projects/p/locations/l/keyRings/r/cryptoKeys/k}]
        azure_keyvault: [{vaultUrl: "https://v.vault.azure.net", key: k, version: v1}]
        hc_vault: ["https://vault:8200/v1/sops/keys/first"]
      - age: ["${AGE_B},${AGE_C}"]
`;
    const rule = ruleFor(yaml, 'x.yaml')!;
    assert.equal(rule.shamirThreshold, 2);
    assert.deepEqual(rule.keyGroups, [
      [
        { kind: 'age', fields: { recipient: AGE_A } },
        { kind: 'pgp', fields: { fp: FP1 } },
        { kind: 'age', fields: { recipient: AGE_C } },
      ],
      [
        {
          kind: 'kms',
          fields: { arn: 'arn:aws:kms:eu-west-1:1:key/x', role: 'arn:aws:iam::1:role/r', context: { App: 'web', Tier: '1' }, aws_profile: 'p' },
        },
        { kind: 'gcp_kms', fields: { resource_id: 'projects/p/locations/l/keyRings/r/cryptoKeys/k' } },
        { kind: 'azure_kv', fields: { vault_url: 'https://v.vault.azure.net', name: 'k', version: 'v1' } },
        { kind: 'hc_vault', fields: { vault_address: 'https://vault:8200', engine_path: 'sops', key_name: 'first' } },
      ],
      [
        { kind: 'age', fields: { recipient: AGE_B } },
        { kind: 'age', fields: { recipient: AGE_C } },
      ],
    ]);
  });

  it('key_groups wins over single-group keys in the same rule', () => {
    const rule = ruleFor(`creation_rules:\n  - pgp: ${FP2}\n    key_groups:\n      - pgp: [${FP1}]\n`, 'x')!;
    assert.deepEqual(rule.keyGroups, [[{ kind: 'pgp', fields: { fp: FP1 } }]]);
  });

  it('each of the six rule keys, mac_only_encrypted (also as yes), and more than one rule key is an error', () => {
    for (const kind of [
      'unencrypted_suffix',
      'encrypted_suffix',
      'unencrypted_regex',
      'encrypted_regex',
      'unencrypted_comment_regex',
      'encrypted_comment_regex',
    ]) {
      const rule = ruleFor(`creation_rules:\n  - ${kind}: "^(data|stringData)$"\n    pgp: A\n`, 'x')!;
      assert.deepEqual(rule.rule, { kind, value: '^(data|stringData)$' });
    }
    assert.equal(ruleFor('creation_rules:\n  - mac_only_encrypted: true\n    pgp: A\n', 'x')!.macOnlyEncrypted, true);
    assert.equal(ruleFor('creation_rules:\n  - mac_only_encrypted: yes\n    pgp: A\n', 'x')!.macOnlyEncrypted, true);
    assert.equal(ruleFor('creation_rules:\n  - mac_only_encrypted: false\n    pgp: A\n', 'x')!.macOnlyEncrypted, undefined);
    sopsError(
      () => ruleFor('creation_rules:\n  - encrypted_regex: a\n    unencrypted_suffix: b\n    pgp: A\n', 'x'),
      ExitCode.Generic,
      /cannot use more than one of encrypted_suffix/,
    );
  });

  it('malformed files fail on load, naming the config and the field', () => {
    const cases: Array<[string, RegExp]> = [
      ['creation_rules: [\n', /could not unmarshal config file/],
      ['- a\n- b\n', /top level must be a mapping/],
      ['creation_rules:\n  - shamir_threshold: two\n', /shamir_threshold: expected an integer/],
      ['creation_rules:\n  - pgp: 1234\n', /invalid pgp key configuration: .*got int/],
      ['creation_rules:\n  - age: [1]\n', /invalid age key configuration: expected string in list/],
      ['creation_rules:\n  - hckms: "a:b"\n', /hckms: expected a list/],
      ['creation_rules:\n  - key_groups: [[x]]\n', /key_groups\[0\]: expected a mapping/],
      ['creation_rules:\n  - a: 1\n    a: 2\n', /line 3: mapping key "a" already defined at line 2/],
      ['creation_rules:\n  - path_regex: "x" y\n', /did not find expected key/],
      ['# rotated\u2028creation_rules: 1\n', /creation_rules: expected a list/],
      ['stores:\n  yaml:\n    indent: wide\n', /stores\.yaml\.indent: expected an integer/],
    ];
    for (const [yaml, why] of cases) {
      writeFileSync(cfgPath, yaml);
      const err = sopsError(() => loadConfig(cfgPath), ExitCode.Generic, why);
      assert.equal(err.file, cfgPath, yaml);
    }
  });

  it('bad key strings in the chosen rule are errors naming the config', () => {
    const cases: Array<[string, RegExp]> = [
      ['age: notakey', /unknown recipient type/],
      ['age: age1short', /Bech32-encoded age public key/],
      ['azure_keyvault: https://v/secrets/x', /Azure Key Vault key URL/],
      ['hc_vault_transit_uri: vault:8200/v1/transit/keys/k', /missing scheme/],
      ['hc_vault_transit_uri: https://vault/prefix/v1/transit/keys/k', /prefixed URL is not supported/],
      ['hc_vault_transit_uri: https://vault/v1/k', /not formatted correctly/],
      ['hckms: ["cn-north-4:0000-1111"]', /HuaweiCloud KMS keys \(hckms\) are not supported/],
      ['key_groups: [{hckms: [{key_id: "ap-southeast-1:abc"}]}]', /HuaweiCloud KMS keys \(hckms\) are not supported/],
    ];
    for (const [line, why] of cases) {
      const err = sopsError(() => ruleFor(`creation_rules:\n  - ${line}\n`, 'x'), ExitCode.Generic, why);
      assert.equal(err.file, cfgPath);
    }
  });

  it('numbers and big numbers in string fields keep their exact text', () => {
    const rule = ruleFor('creation_rules:\n  - key_groups:\n      - pgp: [12345678901234567890123456789012345678901234]\n', 'x')!;
    assert.deepEqual(rule.keyGroups, [[{ kind: 'pgp', fields: { fp: '12345678901234567890123456789012345678901234' } }]]);
  });

  it('parseConfig keeps stores and destination rules', () => {
    const cfg = parseConfig('stores:\n  json:\n    indent: 2\ndestination_rules:\n  - path_regex: x\n');
    assert.deepEqual(cfg.stores, { json: { indent: 2 } });
    assert.equal(cfg.destinationRules?.length, 1);
    assert.equal(cfg.creationRules, undefined);
  });
});
