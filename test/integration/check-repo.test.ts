// `check` on a real repository: each planted problem is one finding, a clean repository passes.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encryptInto, git, hs, newRepo, sopsYaml, type Repo } from '../helpers/git.js';

describe('check', function () {
  this.timeout(120000);
  let repo: Repo;

  beforeEach(async () => {
    repo = await newRepo();
    sopsYaml(repo, [repo.key.recipient]);
    await encryptInto(repo, 'secrets.yaml', 'db:\n    password: hunter2\nport_unencrypted: 5432\n');
    writeFileSync(join(repo.dir, 'values.yaml'), 'replicas: 2\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'initial');
  });
  afterEach(() => repo.cleanup());

  it('passes a clean repository', () => {
    const r = hs(repo, ['check']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, '');
  });

  it('lists every planted problem and exits 1', async () => {
    // 1. a file the creation rule covers, committed in clear
    writeFileSync(join(repo.dir, 'secrets.prod.yaml'), 'token: abc\n');
    // 2. a plain value where the rule wants ciphertext (MAC breaks with it)
    await encryptInto(repo, 'secrets.plain.yaml', 'a: one\nb: two\n');
    const p = join(repo.dir, 'secrets.plain.yaml');
    writeFileSync(p, readFileSync(p, 'utf8').replace(/^b: ENC\[.*$/m, 'b: leaked'));
    // 3. a MAC that does not verify: an unencrypted value changed behind sops's back
    await encryptInto(repo, 'secrets.mac.yaml', 'a: one\nport_unencrypted: 1\n');
    const m = join(repo.dir, 'secrets.mac.yaml');
    writeFileSync(m, readFileSync(m, 'utf8').replace('port_unencrypted: 1', 'port_unencrypted: 2'));
    // 4. a tracked decrypted artefact
    writeFileSync(join(repo.dir, 'secrets.yaml.dec'), 'db:\n    password: hunter2\n');
    git(repo, 'add', '.');
    const r = hs(repo, ['check']);
    assert.equal(r.code, 1);
    const lines = r.stdout.trim().split('\n').sort();
    assert.equal(lines.length, 4, r.stdout);
    assert.match(lines[0]!, /^secrets\.mac\.yaml: mac: /);
    assert.match(lines[1]!, /^secrets\.plain\.yaml: plain-value: \["b"\] must be encrypted/);
    assert.match(lines[2]!, /^secrets\.prod\.yaml: not-encrypted: /);
    assert.match(lines[3]!, /^secrets\.yaml\.dec: decrypted-file: /);
    assert.doesNotMatch(r.stdout + r.stderr, /leaked|hunter2|abc/);
    // a custom decrypted suffix is honoured
    git(repo, 'mv', 'secrets.yaml.dec', 'secrets.yaml.plain');
    const r2 = hs(repo, ['check', 'secrets.yaml.plain'], { env: { HELM_SECRETS_DEC_SUFFIX: '.plain' } });
    assert.equal(r2.code, 1);
    assert.match(r2.stdout, /^secrets\.yaml\.plain: decrypted-file: /m);
  });
});
