// edit, set, unset, rotate and updatekeys on real files in a temp git repository, checked with git itself:
// one changed value is one changed line plus the sops lines; no change leaves the file byte-identical.
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { assertMinimalDiff, decryptIn, encryptInto, fiftyKeys, git, hs, newAgeKey, newRepo, numstat, replacingEditor, sopsYaml, type Repo } from '../helpers/git.js';

describe('edit, set, unset, rotate, updatekeys in a git repository', function () {
  this.timeout(120000);
  let repo: Repo;
  const file = 'secrets.yaml';
  const read = () => readFileSync(join(repo.dir, file));

  beforeEach(async () => {
    repo = await newRepo();
    sopsYaml(repo, [repo.key.recipient]);
    await encryptInto(repo, file, fiftyKeys());
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'initial');
  });
  afterEach(() => repo.cleanup());

  it('edit of one value of a 50-key file changes exactly that line plus lastmodified and mac', async () => {
    const r = hs(repo, ['edit', file], { env: { EDITOR: replacingEditor(repo, 'key17: value17', 'key17: changed17') } });
    assert.equal(r.code, 0, r.stderr);
    assertMinimalDiff(repo, ['key17']);
    const diff = git(repo, 'diff', '-U0');
    const plain = await decryptIn(repo, file);
    assert.match(plain, /^key17: changed17$/m);
    assert.match(plain, /^key18: value18$/m);
    assert.doesNotMatch(diff, /changed17|value17/, 'plaintext must not be in the encrypted file');
    // nothing left behind in the private directory
    assert.deepEqual(readdirSync(repo.aux).filter((n) => n.startsWith('helm-secrets-')), []);
  });

  it('a no-op edit leaves the file byte-identical and exits 200 (also for formatting-only changes)', () => {
    const before = read();
    const r = hs(repo, ['edit', file], { env: { EDITOR: 'true' } });
    assert.equal(r.code, 200, r.stderr);
    assert.match(r.stderr, /has not changed/);
    assert.deepEqual(read(), before);
    const r2 = hs(repo, ['edit', file], { env: { EDITOR: replacingEditor(repo, 'key01: value01\n', 'key01:     value01   \n\n') } });
    assert.equal(r2.code, 200, r2.stderr);
    assert.deepEqual(read(), before);
  });

  it('invalid YAML after editing aborts without a terminal and leaves the original intact', () => {
    const before = read();
    const r = hs(repo, ['edit', file], { env: { EDITOR: replacingEditor(repo, 'key05: value05', 'key05: "unterminated') } });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /edit aborted/);
    assert.doesNotMatch(r.stderr, /value0/);
    assert.deepEqual(read(), before);
  });

  it('edit of a new file creates it from the creation rule', async () => {
    const r = hs(repo, ['edit', 'secrets.new.yaml'], { env: { EDITOR: replacingEditor(repo, 'example_key: example_value', 'token: t0ps3cret') } });
    assert.equal(r.code, 0, r.stderr);
    const enc = readFileSync(join(repo.dir, 'secrets.new.yaml'), 'utf8');
    assert.match(enc, new RegExp(repo.key.recipient));
    assert.doesNotMatch(enc, /t0ps3cret/);
    assert.match(await decryptIn(repo, 'secrets.new.yaml'), /^token: t0ps3cret$/m);
  });

  it('set changes one line (plus sops lines); setting the same value writes nothing; unset removes one line', async () => {
    let r = hs(repo, ['set', file, '["key30"]', '"new30"']);
    assert.equal(r.code, 0, r.stderr);
    assertMinimalDiff(repo, ['key30']);
    git(repo, 'commit', '-qam', 'set');
    const before = read();
    r = hs(repo, ['set', file, '["key30"]', '"new30"']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(read(), before);
    r = hs(repo, ['set', '--value-stdin', file, '["nested"]["list"]'], { input: '{"a": [1, "x"], "b": true}' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(await decryptIn(repo, file), /nested:\n {4}list:\n {8}a:\n {12}- 1\n {12}- x\n {8}b: true/);
    git(repo, 'commit', '-qam', 'nested');
    r = hs(repo, ['unset', file, '["key31"]']);
    assert.equal(r.code, 0, r.stderr);
    const [added, deleted] = numstat(repo).split('\t').map(Number);
    assert.equal(deleted! - added!, 1, 'one line removed; otherwise only mac/lastmodified change');
    assert.ok(added! <= 2);
    r = hs(repo, ['unset', file, '["nope"]']);
    assert.equal(r.code, 1);
    r = hs(repo, ['unset', '--idempotent', file, '["nope"]']);
    assert.equal(r.code, 0, r.stderr);
    r = hs(repo, ['set', file, '["k"]', 'not json']);
    assert.equal(r.code, 7);
  });

  it('rotate re-encrypts every value under a new data key and can add a recipient', async () => {
    const k2 = await newAgeKey(repo.aux, 'key2');
    const r = hs(repo, ['rotate', '--add-age', k2.recipient, file]);
    assert.equal(r.code, 0, r.stderr);
    const [added, deleted] = numstat(repo).split('\t').map(Number);
    assert.ok(added! >= 53 && deleted! >= 53, `every value line changes: ${added}/${deleted}`);
    assert.equal(await decryptIn(repo, file, { ...repo.env, SOPS_AGE_KEY_FILE: k2.file }), fiftyKeys());
  });

  it('rotate --rm-age removes a recipient (it can no longer decrypt) and refuses to empty a key group', async () => {
    const k2 = await newAgeKey(repo.aux, 'key2');
    const asK2 = { ...repo.env, SOPS_AGE_KEY_FILE: k2.file };
    let r = hs(repo, ['rotate', '--add-age', k2.recipient, file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await decryptIn(repo, file, asK2), fiftyKeys());
    r = hs(repo, ['rotate', '--rm-age', repo.key.recipient, file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`removing age ${repo.key.recipient}`));
    assert.doesNotMatch(read().toString(), new RegExp(repo.key.recipient));
    await assert.rejects(decryptIn(repo, file), (e: { code: number }) => e.code === 128);
    assert.equal(await decryptIn(repo, file, asK2), fiftyKeys());
    const before = read();
    r = hs(repo, ['rotate', '--rm-age', k2.recipient, file], { env: asK2 });
    assert.equal(r.code, 111, r.stderr);
    assert.match(r.stderr, /would leave key group 1 empty/);
    assert.deepEqual(read(), before, 'a refused rotate leaves the file as it was');
  });

  it('updatekeys adds a recipient that can then decrypt, and removing it locks it out; values untouched', async () => {
    const k2 = await newAgeKey(repo.aux, 'key2');
    const asK2 = { ...repo.env, SOPS_AGE_KEY_FILE: k2.file };
    await assert.rejects(decryptIn(repo, file, asK2), (e: { code: number }) => e.code === 128);
    sopsYaml(repo, [repo.key.recipient, k2.recipient]);
    const before = read();
    let r = hs(repo, ['updatekeys', file], { input: 'n\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`\\+\\+\\+ age ${k2.recipient}`));
    assert.deepEqual(read(), before, 'answering n changes nothing');
    r = hs(repo, ['updatekeys', '-y', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await decryptIn(repo, file, asK2), fiftyKeys());
    const diff = git(repo, 'diff', '-U0');
    assert.doesNotMatch(diff, /^[-+]key/m, 'no value line changed');
    assert.doesNotMatch(diff, /^[-+]\s+(mac|lastmodified):/m, 'MAC and lastmodified untouched');
    sopsYaml(repo, [repo.key.recipient]);
    r = hs(repo, ['updatekeys', '-y', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`--- age ${k2.recipient}`));
    await assert.rejects(decryptIn(repo, file, asK2), (e: { code: number }) => e.code === 128);
    assert.equal(await decryptIn(repo, file), fiftyKeys());
    assert.equal(git(repo, 'diff').trim(), '', 'back to the committed bytes: the kept key kept its entry');
  });
});
