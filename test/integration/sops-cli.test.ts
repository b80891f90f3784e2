// The rest of sops's command line, run through the CLI: stdin and --filename-override (also as git's clean/smudge
// filter), exec-env and exec-file (nothing left on disk), filestatus, groups add/delete, edit --show-master-keys,
// completion scripts generated from the registry, and updatekeys/rotate over directories (-r).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, testEnv } from '../helpers/env.js';
import { CLI } from '../helpers/paths.js';
import { assertNoLeak, assertNoLeakInTree } from '../helpers/leakscan.js';
import { ageKeygen, requireTool } from '../helpers/tools.js';

const R1 = 'age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju';
const R2 = 'age1je6kjhzuhdjy3fqptpttxjh5k8q46vygzlgtpuq3030c947pc5tqz9dqvr';
const SECRET = 'correct-horse-battery-staple';
const PLAIN = `db_password: ${SECRET}\nport: 5432\nname_unencrypted: plainname\n`;

let dir: string;
const out = (b: Buffer) => b.toString('utf8');

function encryptedFile(name: string, plain = PLAIN, recipients = R1): string {
  const f = join(dir, name);
  mkdirSync(join(f, '..'), { recursive: true });
  writeFileSync(f, plain);
  const r = runCli(['encrypt', '-i', '--age', recipients, f]);
  assert.equal(r.code, 0, r.stderr);
  return f;
}

describe('sops command line: stdin, exec, filestatus, groups, show-master-keys, completion, -r', function () {
  before(() => {
    dir = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), 'hs-sopscli-'));
    writeFileSync(join(dir, '.sops.yaml'), `creation_rules:\n  - path_regex: secrets/.*\\.json$\n    age: ${R2}\n  - path_regex: secrets/.*\n    age: ${R1}\n  - age: ${R1}\n`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('stdin and --filename-override', () => {
    it('encrypt: the override chooses the creation rule and the format', () => {
      const y = runCli(['encrypt', '--filename-override', 'secrets/app.yaml'], { cwd: dir, input: PLAIN });
      assert.equal(y.code, 0, y.stderr);
      assert.match(out(y.stdout), new RegExp(`recipient: ${R1}`));
      assert.match(out(y.stdout), /^db_password: ENC\[/m);
      const j = runCli(['encrypt', '--filename-override', 'secrets/app.json', '-'], { cwd: dir, input: '{"db_password": "x-secret-x"}' });
      assert.equal(j.code, 0, j.stderr);
      const doc = JSON.parse(out(j.stdout));
      assert.equal(doc.sops.age[0].recipient, R2);
      assert.match(doc.db_password, /^ENC\[/);
    });

    it('encrypt from stdin without --filename-override, or with -i: sops\'s refusals', () => {
      const r = runCli(['encrypt', '-'], { cwd: dir, input: PLAIN });
      assert.equal(r.code, 8);
      assert.match(r.stderr, /must specify --filename-override when reading from stdin/);
      const i = runCli(['encrypt', '-i', '--filename-override', 'secrets/a.yaml', '-'], { cwd: dir, input: PLAIN });
      assert.equal(i.code, 8);
      assert.match(i.stderr, /cannot use --in-place when reading from stdin/);
    });

    it('decrypt: `-`, no FILE with input piped in, and the override naming the format', () => {
      const enc = readFileSync(encryptedFile('secrets/in.yaml'));
      for (const args of [['decrypt', '-'], ['decrypt'], ['view', '-'], ['decrypt', '--filename-override', 'secrets/in.yaml']]) {
        const r = runCli(args, { cwd: dir, input: enc });
        assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
        assert.equal(out(r.stdout), PLAIN);
      }
      const x = runCli(['decrypt', '--extract', '["db_password"]'], { cwd: dir, input: enc });
      assert.equal(out(x.stdout), SECRET);
      const notEnc = runCli(['decrypt', '-'], { cwd: dir, input: PLAIN });
      assert.equal(notEnc.code, 1);
      assert.equal(notEnc.stderr, '[helm-secrets] File is not encrypted: stdin\n');
      const dec = runCli(['dec', '-'], { cwd: dir, input: enc });
      assert.equal(dec.code, 8);
      assert.match(dec.stderr, /cannot write FILE\.dec when reading from stdin/);
    });

    it('as git\'s clean and smudge filter: the blob is encrypted, the work tree plain', function () {
      requireTool(this, 'git');
      const repo = join(dir, 'filter-repo');
      mkdirSync(join(repo, 'secrets'), { recursive: true });
      writeFileSync(join(repo, '.sops.yaml'), `creation_rules:\n  - path_regex: secrets/.*\n    age: ${R1}\n`);
      const env = testEnv({ GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: join(dir, 'gitconfig') });
      const git = (...a: string[]) => {
        const r = spawnSync('git', a, { cwd: repo, env, encoding: 'utf8' });
        assert.equal(r.status, 0, `git ${a.join(' ')}: ${r.stderr}`);
        return r.stdout;
      };
      const cli = `'${process.execPath}' '${CLI}'`;
      git('init', '-q', '-b', 'main');
      git('config', 'user.email', 't@example.com');
      git('config', 'user.name', 'T');
      git('config', 'filter.sops.clean', `${cli} encrypt --filename-override %f`);
      git('config', 'filter.sops.smudge', `${cli} decrypt --filename-override %f`);
      git('config', 'filter.sops.required', 'true');
      writeFileSync(join(repo, '.gitattributes'), 'secrets/** filter=sops\n');
      writeFileSync(join(repo, 'secrets', 'app.yaml'), PLAIN);
      git('add', '.');
      git('commit', '-q', '-m', 'x');
      const blob = git('cat-file', '-p', 'HEAD:secrets/app.yaml');
      assert.match(blob, /^sops:/m);
      assertNoLeak(blob, [SECRET], 'the committed blob');
      rmSync(join(repo, 'secrets', 'app.yaml'));
      git('checkout', '--', 'secrets/app.yaml');
      assert.equal(readFileSync(join(repo, 'secrets', 'app.yaml'), 'utf8'), PLAIN);
    });
    it('git setup --filter: clean keeps the data key and unchanged ciphertext, smudge decrypts', function () {
      requireTool(this, 'git');
      const repo = join(dir, 'filter-repo2');
      mkdirSync(repo, { recursive: true });
      writeFileSync(join(repo, '.sops.yaml'), `creation_rules:\n  - age: ${R1}\n`);
      const env = testEnv({ GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: join(dir, 'gitconfig2') });
      const git = (...a: string[]) => {
        const r = spawnSync('git', a, { cwd: repo, env, encoding: 'utf8' });
        assert.equal(r.status, 0, `git ${a.join(' ')}: ${r.stderr}`);
        return r.stdout;
      };
      git('init', '-q', '-b', 'main');
      git('config', 'user.email', 't@example.com');
      git('config', 'user.name', 'T');
      const setup = spawnSync(process.execPath, [CLI, 'git', 'setup', '--filter', '--command', `'${process.execPath}' '${CLI}'`], { cwd: repo, env, encoding: 'utf8' });
      assert.equal(setup.status, 0, setup.stderr);
      assert.match(readFileSync(join(repo, '.gitattributes'), 'utf8'), /^secrets\*\.yaml diff=sopsdiffer merge=sops filter=sops$/m);
      writeFileSync(join(repo, 'secrets.yaml'), PLAIN);
      git('add', '.');
      git('commit', '-q', '-m', 'x');
      const first = git('cat-file', '-p', 'HEAD:secrets.yaml');
      assert.match(first, /^sops:/m);
      assertNoLeak(first, [SECRET], 'the committed blob');
      // Touched, not changed: the same blob. (A new mtime, so that git runs the filter again rather than trust the
      // index's stat data.)
      const touch = (s: number) => utimesSync(join(repo, 'secrets.yaml'), Date.now() / 1000 + s, Date.now() / 1000 + s);
      writeFileSync(join(repo, 'secrets.yaml'), PLAIN);
      touch(10);
      git('add', 'secrets.yaml');
      assert.equal(git('cat-file', '-p', ':secrets.yaml'), first);
      // One value changed: only its ciphertext (and the MAC, lastmodified) differ.
      writeFileSync(join(repo, 'secrets.yaml'), PLAIN.replace('5432', '6543'));
      touch(20);
      git('add', 'secrets.yaml');
      const second = git('cat-file', '-p', ':secrets.yaml');
      const changed = second.split('\n').filter((l, i) => l !== first.split('\n')[i] && !/^\s+(mac|lastmodified):/.test(l));
      assert.equal(changed.length, 1, changed.join('\n'));
      assert.match(changed[0]!, /^port: ENC\[/);
      assert.notEqual(/mac: (.*)/.exec(second)![1], /mac: (.*)/.exec(first)![1]);
      assert.equal(/db_password: (ENC\[[^\]]+\])/.exec(second)![1], /db_password: (ENC\[[^\]]+\])/.exec(first)![1]);
      git('commit', '-q', '-m', 'y');
      rmSync(join(repo, 'secrets.yaml'));
      git('checkout', '--', 'secrets.yaml');
      assert.equal(readFileSync(join(repo, 'secrets.yaml'), 'utf8'), PLAIN.replace('5432', '6543'));
    });
  });

  describe('exec-env and exec-file', () => {
    let priv: string;
    let file: string;
    beforeEach(() => {
      priv = mkdtempSync(join(dir, 'priv-'));
      file = encryptedFile('exec/secrets.yaml');
    });
    /** Nothing left: the private parent is empty, and no file anywhere under the test's places holds the secret. */
    const nothingLeft = () => {
      assert.deepEqual(readdirSync(priv), []);
      // (the clean/smudge case's work tree is plain on purpose)
      assertNoLeakInTree(dir, [SECRET], (p) => p.includes('/filter-repo'));
      for (const root of ['/dev/shm', process.env.TMPDIR ?? tmpdir()]) {
        if (existsSync(root)) assert.deepEqual(readdirSync(root).filter((n) => n.startsWith('helm-secrets-exec-')), [], root);
      }
    };
    const env = () => testEnv({ HELM_SECRETS_PRIVATE_DIR: priv, KEEP_ME: 'here' });

    it('exec-env: the values are the command\'s environment; its exit status is ours', () => {
      const r = runCli(['exec-env', file, 'printf "%s|%s|%s" "$db_password" "$port" "$KEEP_ME"; exit 7'], { env: env() });
      assert.equal(r.code, 7, r.stderr);
      assert.equal(out(r.stdout), `${SECRET}|5432|here`);
      assertNoLeak(r.stderr, [SECRET], 'stderr');
      nothingLeft();
    });

    it('exec-env --pristine: only the decrypted values', () => {
      const r = runCli(['exec-env', '--pristine', file, 'export -p'], { env: env() });
      assert.equal(r.code, 0, r.stderr);
      assert.match(out(r.stdout), /db_password/);
      assert.doesNotMatch(out(r.stdout), /KEEP_ME|SOPS_AGE_KEY_FILE/);
    });

    it('exec-env refuses nested values and keys with =, naming the key', () => {
      const nested = encryptedFile('exec/nested.yaml', 'outer:\n    inner: value-123456\n');
      const r = runCli(['exec-env', nested, 'true'], { env: env() });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /cannot use complex value in environment; offending key outer/);
      const missing = runCli(['exec-env', file], { env: env() });
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /missing file to decrypt/);
    });

    it('exec-env --background: returns at once, the command runs on', async () => {
      const mark = join(dir, 'bg-env-done');
      const r = runCli(['exec-env', '--background', file, `sleep 0.3; printf %s "$port" > '${mark}'`], { env: env() });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(existsSync(mark), false);
      for (let i = 0; i < 50 && !existsSync(mark); i++) await new Promise((res) => setTimeout(res, 100));
      assert.equal(readFileSync(mark, 'utf8'), '5432');
    });

    it('exec-file: a FIFO in the private directory, read by the command, gone afterwards', () => {
      const r = runCli(['exec-file', file, 'test -p {} && cat {}'], { env: env() });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(out(r.stdout), PLAIN);
      nothingLeft();
    });

    it('exec-file --no-fifo --filename: a 0600 file of that name, removed afterwards; --output-type', () => {
      const r = runCli(['exec-file', '--no-fifo', '--filename', 'app.json', '--output-type', 'json', file, 'test -f {} && stat -c %a {} && basename {} && cat {}'], { env: env() });
      assert.equal(r.code, 0, r.stderr);
      const lines = out(r.stdout).split('\n');
      assert.equal(lines[0], '600');
      assert.equal(lines[1], 'app.json');
      assert.equal(JSON.parse(lines.slice(2).join('\n')).db_password, SECRET);
      nothingLeft();
    });

    it('exec-file: a command that never opens the FIFO does not hang it; a non-local --filename is refused', () => {
      const r = runCli(['exec-file', file, 'exit 3'], { env: env() });
      assert.equal(r.code, 3, r.stderr);
      nothingLeft();
      const bad = runCli(['exec-file', '--filename', '../x', file, 'cat {}'], { env: env() });
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /not a local path/);
      nothingLeft();
    });

    it('exec-file --background waits until the command has taken the plaintext; --no-fifo with it is refused', async () => {
      const got = join(dir, 'bg-file-got');
      const r = runCli(['exec-file', '--background', file, `sleep 0.2; grep -c port {} > '${got}'`], { env: env() });
      assert.equal(r.code, 0, r.stderr);
      for (let i = 0; i < 50 && !(existsSync(got) && readFileSync(got, 'utf8') !== ''); i++) await new Promise((res) => setTimeout(res, 100));
      assert.equal(readFileSync(got, 'utf8'), '1\n');
      nothingLeft();
      const both = runCli(['exec-file', '--background', '--no-fifo', file, 'cat {}'], { env: env() });
      assert.equal(both.code, 8);
      nothingLeft();
    });

    it('--user runs the command as that user (root only), else the switch is refused', () => {
      const r = runCli(['exec-env', '--user', 'nobody', file, 'id -un; printf "%s" "$USER"'], { env: env() });
      if (process.getuid?.() === 0) {
        assert.equal(r.code, 0, r.stderr);
        assert.equal(out(r.stdout), 'nobody\nnobody');
        const f = runCli(['exec-file', '--user', 'nobody', file, 'id -un; grep -c port {}'], { env: env() });
        assert.equal(f.code, 0, f.stderr);
        assert.equal(out(f.stdout), 'nobody\n1\n');
        nothingLeft();
      } else assert.notEqual(r.code, 0);
      const none = runCli(['exec-env', '--user', 'no-such-user-xyz', file, 'true'], { env: env() });
      assert.equal(none.code, 1);
      assert.match(none.stderr, /no such user: no-such-user-xyz/);
    });
  });

  describe('filestatus', () => {
    it('prints sops\'s JSON for encrypted and plain files; an unparsable file is an error', () => {
      const e = runCli(['filestatus', encryptedFile('fs/e.yaml')]);
      assert.equal(e.code, 0, e.stderr);
      assert.equal(out(e.stdout), '{"encrypted":true}\n');
      writeFileSync(join(dir, 'fs/p.yaml'), PLAIN);
      assert.equal(out(runCli(['filestatus', join(dir, 'fs/p.yaml')]).stdout), '{"encrypted":false}\n');
      writeFileSync(join(dir, 'fs/bad.json'), '{"a": ');
      const bad = runCli(['filestatus', join(dir, 'fs/bad.json')]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /cannot check file status/);
      const none = runCli(['filestatus']);
      assert.equal(none.code, 100);
    });
  });

  describe('groups add / groups delete', () => {
    it('a second group makes both keys necessary; deleting it makes one enough again', function () {
      const k1 = ageKeygen(this, 'hs-groups-1-');
      const k2 = ageKeygen(this, 'hs-groups-2-');
      try {
        const f = encryptedFile('groups/s.yaml', PLAIN, k1.recipient);
        const both = join(dir, 'both-keys.txt');
        writeFileSync(both, readFileSync(k1.keyFile, 'utf8') + readFileSync(k2.keyFile, 'utf8'));
        const only1 = testEnv({ SOPS_AGE_KEY_FILE: k1.keyFile });
        const before = readFileSync(f, 'utf8');
        const printed = runCli(['groups', 'add', '--file', f, '--age', k2.recipient], { env: only1 });
        assert.equal(printed.code, 0, printed.stderr);
        assert.match(out(printed.stdout), /key_groups:/);
        assert.equal(readFileSync(f, 'utf8'), before, 'without -i FILE is untouched');
        const add = runCli(['groups', 'add', '-i', '--file', f, '--age', k2.recipient], { env: only1 });
        assert.equal(add.code, 0, add.stderr);
        const after = readFileSync(f, 'utf8');
        assert.match(after, /shamir_threshold: 2/);
        // The values keep their ciphertext.
        assert.equal(/db_password: (ENC\[[^\]]+\])/.exec(after)![1], /db_password: (ENC\[[^\]]+\])/.exec(before)![1]);
        assert.equal(runCli(['decrypt', f], { env: only1 }).code, 128);
        assert.equal(out(runCli(['decrypt', f], { env: testEnv({ SOPS_AGE_KEY_FILE: both }) }).stdout), PLAIN);
        const del = runCli(['groups', 'delete', '-i', '--file', f, '1'], { env: testEnv({ SOPS_AGE_KEY_FILE: both }) });
        // As in sops: a threshold of 2 cannot stand with one group left; it has to be lowered with the deletion.
        assert.equal(del.code, 1);
        assert.match(del.stderr, /impossible to satisfy: Shamir threshold is 2, but we only have 1 key groups/);
        const del1 = runCli(['groups', 'delete', '-i', '--shamir-secret-sharing-threshold', '1', '--file', f, '1'], { env: testEnv({ SOPS_AGE_KEY_FILE: both }) });
        assert.equal(del1.code, 0, del1.stderr);
        assert.doesNotMatch(readFileSync(f, 'utf8'), /shamir_threshold: [1-9]|key_groups/);
        assert.equal(out(runCli(['decrypt', f], { env: only1 }).stdout), PLAIN);
        const range = runCli(['groups', 'delete', '--file', f, '5'], { env: only1 });
        assert.equal(range.code, 1);
        assert.match(range.stderr, /there is no key group 5/);
      } finally {
        rmSync(k1.dir, { recursive: true, force: true });
        rmSync(k2.dir, { recursive: true, force: true });
      }
    });
  });

  describe('edit --show-master-keys', () => {
    it('the editor sees the sops metadata; an edited value is saved with the same master keys', () => {
      const f = encryptedFile('edit/s.yaml');
      const seen = join(dir, 'seen.txt');
      const editor = join(dir, 'editor.sh');
      writeFileSync(editor, `#!/bin/sh\ncp "$1" '${seen}'\nsed -i 's/^port: 5432/port: 6543/' "$1"\n`);
      chmodSync(editor, 0o755);
      const r = runCli(['edit', '--show-master-keys', f], { env: testEnv({ EDITOR: editor }) });
      assert.equal(r.code, 0, r.stderr);
      const shown = readFileSync(seen, 'utf8');
      rmSync(seen);
      assert.match(shown, /^sops:$/m);
      assert.match(shown, new RegExp(`recipient: ${R1}`));
      assert.match(shown, /^db_password: correct-horse/m);
      assert.equal(out(runCli(['decrypt', f]).stdout), PLAIN.replace('5432', '6543'));
      assert.match(readFileSync(f, 'utf8'), new RegExp(`recipient: ${R1}`));
    });
  });

  describe('completion', () => {
    it('bash: generated from the registry, and it completes commands and options', function () {
      requireTool(this, 'bash');
      const r = runCli(['completion', 'bash']);
      assert.equal(r.code, 0, r.stderr);
      const script = join(dir, 'c.bash');
      writeFileSync(script, r.stdout);
      const run = (words: string[]) =>
        spawnSync('bash', ['-c', `source '${script}'; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _helm_secrets_standalone; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' }).stdout.split('\n');
      const cmds = run(['helm-secrets', 'e']);
      for (const c of ['encrypt', 'enc', 'edit', 'exec-env', 'exec-file']) assert.ok(cmds.includes(c), cmds.join(' '));
      const opts = run(['helm-secrets', 'encrypt', '--fil']);
      assert.deepEqual(opts.filter(Boolean), ['--filename-override']);
      assert.ok(run(['helm-secrets', 'exec-file', '--no']).includes('--no-fifo'));
      assert.ok(run(['helm-secrets', 'completion', '']).includes('zsh'));
      assert.ok(run(['helm-secrets', 'groups', 'add', '--ag']).includes('--age'));
      assert.ok(run(['helm-secrets', 'groups', '']).includes('delete'));
      assert.notEqual(out(r.stdout).indexOf('__start_helm'), -1);
    });

    it('zsh and fish: every command and option of the registry', () => {
      for (const shell of ['zsh', 'fish']) {
        const r = runCli(['completion', shell]);
        assert.equal(r.code, 0, r.stderr);
        for (const word of ['encrypt', 'groups', 'filestatus', 'exec-env', 'no-fifo', 'show-master-keys', 'filename-override']) assert.match(out(r.stdout), new RegExp(word), `${shell}: ${word}`);
      }
      assert.match(out(runCli(['completion', 'fish']).stdout), /complete -c helm -f -n '__fish_seen_subcommand_from secrets; and not/);
      const bad = runCli(['completion', 'tcsh']);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /completion needs one shell: bash, zsh, fish/);
    });
  });

  describe('updatekeys -r and rotate -r', () => {
    it('every sops file below a directory, each reported; other files skipped and named', () => {
      const tree = join(dir, 'tree');
      const a = encryptedFile('tree/a/secrets.yaml');
      const b = encryptedFile('tree/b/c/secrets.json', '{"k": "value-abcdef"}');
      writeFileSync(join(tree, 'a', 'plain.yaml'), 'x: y\n');
      writeFileSync(join(tree, '.sops.yaml'), `creation_rules:\n  - age: ${R1},${R2}\n`);
      const noR = runCli(['updatekeys', '-y', tree]);
      assert.equal(noR.code, 2);
      assert.match(noR.stderr, /is a directory: use -r/);
      const r = runCli(['updatekeys', '-y', '-r', tree]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /a\/plain\.yaml: skipped, not a sops file/);
      assert.match(r.stderr, /a\/secrets\.yaml: keys updated/);
      assert.match(r.stderr, /c\/secrets\.json: keys updated/);
      for (const f of [a, b]) assert.match(readFileSync(f, 'utf8'), new RegExp(R2));
      assert.equal(readFileSync(join(tree, 'a', 'plain.yaml'), 'utf8'), 'x: y\n');
      const before = [a, b].map((f) => readFileSync(f, 'utf8'));
      const rot = runCli(['rotate', '-r', tree]);
      assert.equal(rot.code, 0, rot.stderr);
      assert.equal((rot.stderr.match(/rotated/g) ?? []).length, 2);
      assert.match(rot.stderr, /plain\.yaml: skipped/);
      [a, b].forEach((f, i) => {
        assert.notEqual(readFileSync(f, 'utf8'), before[i]);
      });
      assert.equal(out(runCli(['decrypt', a]).stdout), PLAIN);
      assert.equal(readFileSync(join(tree, 'a', 'plain.yaml'), 'utf8'), 'x: y\n');
    });
  });
});
