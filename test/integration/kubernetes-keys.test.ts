// secrets+age-import-kubernetes:// and secrets+gpg-import-kubernetes:// through the getter command, with a stand-in
// kubectl (HELM_SECRETS_KUBECTL_PATH) that serves keys from files and logs how it was asked.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testEnv } from '../helpers/env.js';
import { HS_VECTORS } from '../helpers/paths.js';
import { runCliAsync } from '../helpers/proc.js';

const SOPS_DIR = join(HS_VECTORS, 'tests/assets/values/sops');
const GPG_DIR = join(HS_VECTORS, 'tests/assets/gpg');

describe('key imports from Kubernetes secrets (getter, stand-in kubectl)', function () {
  this.timeout(60000);
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let log: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hs-k8s-'));
    const secrets = join(dir, 'secrets');
    // Secret "argocd/keys" holds an age identity, an armored and a binary PGP private key.
    mkdirSync(join(secrets, 'argocd', 'keys'), { recursive: true });
    writeFileSync(join(secrets, 'argocd', 'keys', 'key.txt'), readFileSync(join(HS_VECTORS, 'tests/assets/age/key.txt')));
    writeFileSync(join(secrets, 'argocd', 'keys', 'private.asc'), readFileSync(join(GPG_DIR, 'private.gpg')));
    const binary = spawnSync('gpg', ['--dearmor'], { input: readFileSync(join(GPG_DIR, 'private2.gpg')) });
    assert.equal(binary.status, 0, 'gpg --dearmor (gpg is required)');
    assert.notEqual(binary.stdout[0], '-'.charCodeAt(0));
    writeFileSync(join(secrets, 'argocd', 'keys', 'private2.gpg'), binary.stdout);
    log = join(dir, 'kubectl.log');
    // kubectl get [-n NS] -o go-template={{ index .data "KEY" }} -- secret NAME: prints the base64 of the file, or
    // nothing when the secret has no such key (as kubectl does), or fails when there is no such secret.
    const kubectl = join(dir, 'kubectl');
    writeFileSync(
      kubectl,
      `#!/bin/sh
printf '%s\\n' "$*" >> '${log}'
ns=default
[ "$2" = "-n" ] && { ns=$3; shift 2; }
[ "$4" = "--" ] && [ "$5" = "secret" ] || { echo "unexpected arguments" >&2; exit 2; }
name=$6
key=$(printf '%s' "$3" | sed -n 's/.*index .data "\\(.*\\)" }}$/\\1/p')
[ -d '${secrets}'/"$ns"/"$name" ] || { echo "Error from server (NotFound): secrets \\"$name\\" not found" >&2; exit 1; }
[ -f '${secrets}'/"$ns"/"$name"/"$key" ] && base64 -w0 < '${secrets}'/"$ns"/"$name"/"$key"
exit 0
`,
    );
    chmodSync(kubectl, 0o755);
    // An empty keyring and no age key: the keys can only come from the secret.
    const gnupg = join(dir, 'gnupg');
    mkdirSync(gnupg, { mode: 0o700 });
    env = testEnv({ GNUPGHOME: gnupg, SOPS_AGE_KEY_FILE: join(dir, 'no-age-key.txt'), HELM_SECRETS_KUBECTL_PATH: kubectl });
  });

  after(() => {
    spawnSync('gpgconf', ['--kill', 'all'], { env: { ...process.env, GNUPGHOME: join(dir, 'gnupg') } });
    rmSync(dir, { recursive: true, force: true });
  });

  const getter = (url: string, extra: NodeJS.ProcessEnv = {}) => runCliAsync(['downloader', '', '', '', url], { env: { ...env, ...extra } });

  it('age identity from a secret in a namespace', async () => {
    // Without the import no key opens the file.
    const plain = await getter(`secrets://${join(SOPS_DIR, 'secrets.age.yaml')}`);
    assert.notEqual(plain.code, 0);
    assert.equal(plain.stdout.length, 0);
    writeFileSync(log, '');
    const r = await getter(`secrets+age-import-kubernetes://argocd/keys#key.txt?${join(SOPS_DIR, 'secrets.age.yaml')}`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.toString(), /global_secret: global_age/);
    assert.equal(readFileSync(log, 'utf8'), 'get -n argocd -o go-template={{ index .data "key.txt" }} -- secret keys\n');
  });

  it('armored and binary PGP private keys from a secret, with an empty keyring', async () => {
    const plain = await getter(`secrets://${join(SOPS_DIR, 'secrets.yaml')}`);
    assert.notEqual(plain.code, 0);
    assert.match(plain.stderr, /No secret key/);
    const armored = await getter(`secrets+gpg-import-kubernetes://argocd/keys#private.asc?${join(SOPS_DIR, 'secrets.yaml')}`);
    assert.equal(armored.code, 0, armored.stderr);
    assert.match(armored.stdout.toString(), /global_secret: global_bar/);
    const binary = await getter(`secrets+gpg-import-kubernetes://argocd/keys#private2.gpg?${join(SOPS_DIR, 'secrets.gpg_key.yaml')}`);
    assert.equal(binary.code, 0, binary.stderr);
    assert.match(binary.stdout.toString(), /global_secret: global_baz/);
    // The binary key went through a private directory, which is gone again.
    for (const root of ['/dev/shm', tmpdir()]) {
      let names: string[];
      try {
        names = readdirSync(root);
      } catch {
        continue;
      }
      for (const n of names.filter((x) => x.startsWith('helm-secrets-'))) {
        assert.ok(!readdirSync(join(root, n)).some((f) => f.startsWith('key-')), `key file left in ${join(root, n)}`);
      }
    }
  });

  it('without a namespace kubectl is asked without -n', async () => {
    writeFileSync(log, '');
    const r = await getter(`secrets+age-import-kubernetes://keys#key.txt?${join(SOPS_DIR, 'secrets.age.yaml')}`);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), "[helm-secrets] Couldn't get kubernetes secret keys");
    assert.equal(readFileSync(log, 'utf8'), 'get -o go-template={{ index .data "key.txt" }} -- secret keys\n');
  });

  it('a key the secret does not hold, and a switched-off protocol, are one-line errors', async () => {
    const missing = await getter(`secrets+age-import-kubernetes://argocd/keys#nope.txt?${join(SOPS_DIR, 'secrets.age.yaml')}`);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.trim(), "[helm-secrets] Couldn't find key nope.txt in secret argocd/keys");
    const off = await getter(`secrets+age-import-kubernetes://argocd/keys#key.txt?${join(SOPS_DIR, 'secrets.age.yaml')}`, {
      HELM_SECRETS_ALLOW_AGE_IMPORT_KUBERNETES: 'false',
    });
    assert.notEqual(off.code, 0);
    assert.match(off.stderr, /secrets\+age-import-kubernetes/);
    assert.equal(off.stdout.length, 0);
  });
});
