// bin/sops's own contract, beyond the translated functional tests: sops's flag syntax (Go style: -name, --name,
// -name=V, -b=false), its messages and exit codes (cmd/sops/codes) for each refusal, the older -e/-d/-r/--set/edit
// form, rotate to stdout unless -i, updatekeys, edit through $EDITOR, and nothing of helm-secrets leaking in
// (no [helm-secrets] prefix, no HELM_SECRETS_BACKEND_ARGS).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ROOT } from '../helpers/paths.js';
import { testEnv } from '../helpers/env.js';
import { newAgeKey, type AgeKey } from '../helpers/git.js';

const SOPS = join(ROOT, 'bin', 'sops');

describe('bin/sops: command line, messages and exit codes', function () {
  this.timeout(120000);
  let dir: string;
  let key: AgeKey;
  let key2: AgeKey;
  let env: NodeJS.ProcessEnv;

  function sops(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): { code: number; out: string; err: string } {
    const r = spawnSync(SOPS, args, { cwd: dir, env: { ...env, ...opts.env }, input: opts.input ?? '', encoding: 'utf8' });
    assert.doesNotMatch(r.stderr, /\[helm-secrets\]/, 'a helm-secrets message under bin/sops');
    return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
  }
  function refused(args: string[], code: number, message: string | RegExp, opts?: { input?: string; env?: NodeJS.ProcessEnv }): void {
    const r = sops(args, opts);
    assert.equal(r.code, code, `sops ${args.join(' ')}: ${r.err}`);
    if (typeof message === 'string') assert.equal(r.err, message + '\n');
    else assert.match(r.err, message);
  }
  function encrypted(name: string, plain = 'a: 1\nb: secret\n'): string {
    const p = join(dir, name);
    writeFileSync(p, plain);
    const r = sops(['encrypt', '-i', p]);
    assert.equal(r.code, 0, r.err);
    return p;
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sops-cli-'));
    key = await newAgeKey(dir, 'key1');
    key2 = await newAgeKey(dir, 'key2');
    writeFileSync(join(dir, 'keys.txt'), readFileSync(key.file, 'utf8') + readFileSync(key2.file, 'utf8'));
    writeFileSync(join(dir, '.sops.yaml'), `creation_rules:\n  - age: ${key.recipient}\n`);
    env = testEnv({ SOPS_AGE_KEY_FILE: join(dir, 'keys.txt') });
    delete env.EDITOR;
    delete env.VISUAL;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--version and -v print the sops version line tools parse', () => {
    for (const f of ['--version', '-v']) {
      const r = sops([f]);
      assert.equal(r.code, 0);
      assert.equal(r.out, 'sops 3.13.2\n');
    }
  });

  it('no arguments: the help and "Error: no file specified" (100); --help and help COMMAND exit 0', () => {
    const r = sops([]);
    assert.equal(r.code, 100);
    assert.match(r.out, /USAGE:/);
    assert.equal(r.err, 'Error: no file specified\n');
    assert.match(sops(['--help']).out, /COMMANDS:/);
    assert.match(sops(['help', 'rotate']).out, /sops rotate/);
    assert.match(sops(['decrypt', '--help']).out, /sops decrypt/);
  });

  it('a file that does not exist: sops\'s message with the absolute path (100); 49 when keys were to change', () => {
    const abs = resolve(dir, 'missing.yaml');
    for (const args of [['decrypt', 'missing.yaml'], ['encrypt', 'missing.yaml'], ['-d', 'missing.yaml'], ['-e', 'missing.yaml'], ['rotate', 'missing.yaml']]) {
      refused(args, 100, `Error: cannot operate on non-existent file "${abs}"`);
    }
    refused(['rotate', '--add-age', key2.recipient, 'missing.yaml'], 49, /^Error: cannot add or remove keys on non-existent file/);
    // The older form: -r or edit, keys to add to a file that is not there.
    refused(['-r', '--add-age', key2.recipient, 'missing.yaml'], 49, /^Error: cannot add or remove keys on non-existent file .*, use `--kms` and `--pgp` instead\.\n$/);
    refused(['--rm-pgp', 'ABCD', 'missing.yaml'], 49, /^Error: cannot add or remove keys on non-existent file/);
    assert.ok(!existsSync(join(dir, 'missing.yaml')));
  });

  it('conflicting parameters: exit 8 with sops\'s words', () => {
    const p = encrypted('conflict.yaml');
    refused(['decrypt', '-i'], 8, 'Error: cannot use --in-place when reading from stdin');
    refused(['encrypt', '-i'], 8, 'Error: cannot use --in-place when reading from stdin');
    refused(['encrypt'], 8, 'Error: must specify --filename-override when reading from stdin', { input: 'a: 1\n' });
    refused(['decrypt', '-i', '--output', join(dir, 'o.yaml'), p], 8, 'Error: cannot operate on both --output and --in-place');
    assert.ok(!existsSync(join(dir, 'o.yaml')));
  });

  it('flags as Go parses them: unknown (1), missing value (1), -name=V, single dash, -b=false', () => {
    const p = encrypted('flags.yaml');
    refused(['decrypt', '--bogus', p], 1, 'Incorrect Usage: flag provided but not defined: -bogus');
    refused(['--bogus', p], 1, 'Incorrect Usage: flag provided but not defined: -bogus');
    refused(['decrypt', p, '--output'], 1, 'Incorrect Usage: flag needs an argument: -output');
    assert.deepEqual(JSON.parse(sops(['decrypt', '-output-type=json', p]).out), { a: 1, b: 'secret' });
    assert.deepEqual(JSON.parse(sops(['decrypt', '--output-type', 'json', p]).out), { a: 1, b: 'secret' });
    // -i=false: not in place, so to stdout; the file stays encrypted.
    assert.equal(sops(['decrypt', '-i=false', p]).out, 'a: 1\nb: secret\n');
    assert.match(readFileSync(p, 'utf8'), /ENC\[/);
    // Flags after the file (urfave/cli reorders a subcommand's arguments).
    assert.equal(sops(['decrypt', p, '--extract', '["b"]']).out, 'secret');
  });

  it('the older form: sops -d FILE, sops -e FILE, --extract, and a warning for extra positionals', () => {
    const p = join(dir, 'older.yaml');
    writeFileSync(p, 'x: 1\nword: two\n');
    const enc = sops(['-e', p]);
    assert.equal(enc.code, 0, enc.err);
    assert.match(enc.out, /ENC\[/);
    writeFileSync(p, enc.out);
    assert.equal(sops(['-d', p]).out, 'x: 1\nword: two\n');
    assert.equal(sops(['-d', '--extract', '["word"]', p]).out, 'two');
    // Key and rule flags in the older form.
    writeFileSync(p, 'user: app\npassword: pw\n');
    const ruled = sops(['-e', '--age', key2.recipient, '--encrypted-regex', '^pass', '--output-type', 'json', p]);
    assert.equal(ruled.code, 0, ruled.err);
    const doc = JSON.parse(ruled.out);
    assert.equal(doc.user, 'app');
    assert.match(doc.password, /^ENC\[/);
    assert.equal(doc.sops.age[0].recipient, key2.recipient);
    assert.equal(doc.sops.encrypted_regex, '^pass');
    writeFileSync(p, enc.out);
    const r = sops(['decrypt', p, 'other.yaml']);
    assert.equal(r.code, 0);
    assert.match(r.err, /More than one positional argument provided\. Only the first one will be used!/);
  });

  it('--extract with a malformed path: 91', () => {
    refused(['decrypt', '--extract', 'a.b', encrypted('extract.yaml')], 91, /^error parsing --extract path: /);
  });

  it('set and unset: argument counts (100), malformed paths and values (7), --set in the older form', () => {
    const p = encrypted('set.yaml');
    refused(['set', p], 100, 'Error: no file specified, or index and value are missing. Need precisely 3 positional arguments.');
    refused(['set', '--value-stdin', p], 100, /Need precisely 2 positional arguments since --value-stdin is used\./);
    refused(['set', p, 'a.b', '"x"'], 7, 'Invalid set index format');
    refused(['set', p, '["a"]', 'not json'], 7, /JSON/);
    refused(['unset', p], 100, 'Error: no file specified, or index is missing');
    refused(['unset', p, 'nope'], 7, 'Invalid unset index format');
    refused(['--set', 'no-path', p], 7, 'Invalid --set format');
    assert.equal(sops(['--set', '["b"] "changed"', p]).code, 0);
    assert.equal(sops(['decrypt', '--extract', '["b"]', p]).out, 'changed');
  });

  it('an encrypted file is not encrypted again (203); a bad MAC is 51; no key for the file is 128', () => {
    const p = encrypted('again.yaml');
    const before = readFileSync(p, 'utf8');
    refused(['encrypt', '-i', p], 203, /already encrypted/i);
    assert.equal(readFileSync(p, 'utf8'), before);
    writeFileSync(p, before.replace(/mac: ENC\[AES256_GCM,data:./, (m) => m.slice(0, -1) + (m.endsWith('A') ? 'B' : 'A')));
    refused(['decrypt', p], 51, /MAC/);
    const other = encrypted('nokey.yaml');
    refused(['decrypt', other], 128, /failed to get the data key/, { env: { SOPS_AGE_KEY_FILE: key2.file } });
  });

  it('rotate prints the result unless -i; -i and the older -r -i rewrite the file with a new data key', () => {
    const p = encrypted('rotate.yaml');
    const before = readFileSync(p, 'utf8');
    const r = sops(['rotate', p]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^a: ENC\[/);
    assert.notEqual(r.out, before);
    assert.equal(readFileSync(p, 'utf8'), before, 'rotate without -i changed the file');
    assert.equal(sops(['rotate', '-i', '--add-age', key2.recipient, p]).code, 0);
    const md = parseYaml(readFileSync(p, 'utf8')).sops;
    assert.deepEqual(md.age.map((e: { recipient: string }) => e.recipient).sort(), [key.recipient, key2.recipient].sort());
    const mid = readFileSync(p, 'utf8');
    assert.equal(sops(['-r', '-i', '--rm-age', key2.recipient, p]).code, 0);
    assert.notEqual(readFileSync(p, 'utf8'), mid);
    assert.equal(parseYaml(readFileSync(p, 'utf8')).sops.age.length, 1);
    assert.equal(sops(['decrypt', p]).out, 'a: 1\nb: secret\n');
  });

  it('updatekeys -y follows the creation rule', () => {
    const sub = join(dir, 'uk');
    spawnSync('mkdir', [sub]);
    writeFileSync(join(sub, '.sops.yaml'), `creation_rules:\n  - age: ${key.recipient}\n`);
    const p = join(sub, 'uk.yaml');
    writeFileSync(p, 'k: v\n');
    assert.equal(sops(['encrypt', '-i', p]).code, 0);
    writeFileSync(join(sub, '.sops.yaml'), `creation_rules:\n  - age: ${key.recipient},${key2.recipient}\n`);
    const r = sops(['updatekeys', '-y', p]);
    assert.equal(r.code, 0, r.err);
    assert.equal(parseYaml(readFileSync(p, 'utf8')).sops.age.length, 2);
    assert.equal(sops(['decrypt', p], { env: { SOPS_AGE_KEY_FILE: key2.file } }).out, 'k: v\n');
  });

  it('edit: `sops FILE` and `sops edit FILE` run $EDITOR; no change is 200 with sops\'s words; a new file is created', () => {
    const p = encrypted('edit.yaml');
    const editor = join(dir, 'editor.sh');
    writeFileSync(editor, '#!/bin/sh\nsed -i "s/secret/edited/" "$1"\n');
    chmodSync(editor, 0o755);
    assert.equal(sops([p], { env: { EDITOR: editor } }).code, 0);
    assert.equal(sops(['decrypt', p]).out, 'a: 1\nb: edited\n');
    refused(['edit', p], 200, 'File has not changed, exiting.', { env: { EDITOR: 'true' } });
    const fresh = join(dir, 'fresh.yaml');
    writeFileSync(editor, '#!/bin/sh\nprintf "made: here\\n" > "$1"\n');
    assert.equal(sops(['edit', fresh], { env: { EDITOR: editor } }).code, 0);
    assert.equal(sops(['decrypt', fresh]).out, 'made: here\n');
  });

  it('bin/sops.cmd, for Windows, starts the same entry with the same node choice as bin/sops (CRLF, as cmd.exe wants)', () => {
    const cmd = readFileSync(join(ROOT, 'bin', 'sops.cmd'), 'latin1');
    assert.ok(cmd.split('\n').slice(0, -1).every((l) => l.endsWith('\r')), 'every line ends in CRLF');
    assert.match(cmd, /^"%node_bin%" "%~dp0sops\.js" %\*\r$/m);
    assert.match(cmd, /^if defined HELM_SECRETS_NODE_PATH \(\r$/m);
    assert.match(cmd, /^exit \/b %ERRORLEVEL%\r$/m);
    assert.match(readFileSync(join(ROOT, 'bin', 'sops'), 'utf8'), /exec "\$node_bin" "\$dir\/sops\.js" "\$@"/);
  });

  it('publish, keyservice and remote key services are refused (1)', () => {
    const p = encrypted('pub.yaml');
    refused(['publish', p], 1, /^publish is not supported by this sops/);
    refused(['keyservice'], 1, /^keyservice is not supported by this sops/);
    refused(['decrypt', '--keyservice', 'tcp://127.0.0.1:5000', p], 1, /remote key services .* are not supported/);
    refused(['decrypt', p], 1, /remote key services/, { env: { SOPS_KEYSERVICE: 'tcp://127.0.0.1:5000' } });
    assert.equal(sops(['decrypt', '--enable-local-keyservice', p]).code, 0);
  });

  it("completion bash|zsh as sops has it: the script asks bin/sops (--generate-bash-completion) what may follow", () => {
    const script = join(dir, 'sops.bash');
    const r = sops(['completion', 'bash']);
    assert.equal(r.code, 0, r.err);
    assert.ok(!existsSync(join(dir, 'completion')), 'completion was never taken for a file to edit');
    writeFileSync(script, r.out);
    // bash runs the completion function as it would on TAB, with bin/sops first on PATH as `sops`.
    const complete = (words: string[]) =>
      spawnSync('bash', ['-c', `source '${script}'; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _sops_words; printf '%s\\n' "\${COMPREPLY[@]}"`], {
        encoding: 'utf8',
        env: { ...testEnv(), PATH: `${join(ROOT, 'bin')}:${process.env.PATH ?? ''}` },
      }).stdout.split('\n').filter(Boolean);
    assert.deepEqual(complete(['sops', 'e']).sort(), ['edit', 'encrypt', 'exec-env', 'exec-file']);
    assert.deepEqual(complete(['sops', 'decrypt', '--ext']), ['--extract']);
    assert.deepEqual(complete(['sops', 'groups', '']), ['add', 'delete']);
    assert.deepEqual(complete(['sops', 'groups', 'add', '--shamir']), ['--shamir-secret-sharing-threshold']);
    assert.deepEqual(complete(['sops', 'completion', '']), ['bash', 'zsh']);
    // A flag already given is not offered again; after `--` no one-letter name is.
    assert.deepEqual(complete(['sops', 'encrypt', '--output', 'x', '--outp']), ['--output-type']);
    assert.ok(complete(['sops', '--']).includes('--decrypt') && !complete(['sops', '--']).includes('-d'));
    // zsh asks with _CLI_ZSH_AUTOCOMPLETE_HACK=1 and gets `name:summary` for commands.
    const zsh = sops(['completion', 'zsh']);
    assert.match(zsh.out, /^#compdef sops\n/);
    assert.match(zsh.out, /compdef _sops_words sops/);
    const described = sops(['--generate-bash-completion'], { env: { _CLI_ZSH_AUTOCOMPLETE_HACK: '1' } }).out.split('\n');
    assert.ok(described.includes("updatekeys:make the file's master keys match its .sops.yaml creation rule (-y: without asking)"), described.join('|'));
    refused(['completion', 'fish'], 3, /^No help topic for 'fish'/);
    assert.match(sops(['completion']).out, /sops completion bash\n.*sops completion zsh/s);
  });

  it('helm-secrets settings in the environment do not reach bin/sops', () => {
    const p = encrypted('hs.yaml');
    const r = sops(['decrypt', p], { env: { HELM_SECRETS_BACKEND_ARGS: '--bogus-flag', HELM_SECRETS_QUIET: 'true' } });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'a: 1\nb: secret\n');
  });

  it('app-level options before the subcommand apply to it (--config, --indent)', () => {
    const cfg = join(dir, 'other.sops.yaml');
    writeFileSync(cfg, `creation_rules:\n  - age: ${key2.recipient}\n`);
    const p = join(dir, 'cfg.yaml');
    writeFileSync(p, 'n:\n  m: 1\n');
    const r = sops(['--config', cfg, '--indent', '2', 'encrypt', p]);
    assert.equal(r.code, 0, r.err);
    const doc = parseYaml(r.out);
    assert.equal(doc.sops.age[0].recipient, key2.recipient);
    assert.match(r.out, /^ {2}m: ENC\[/m);
  });

  it('stdin: --filename-override picks the creation rule and the formats; decrypt reads stdin', () => {
    const sub = join(dir, 'stdin');
    spawnSync('mkdir', [sub]);
    writeFileSync(join(sub, '.sops.yaml'), `creation_rules:\n  - path_regex: ^second/\n    age: ${key2.recipient}\n  - age: ${key.recipient}\n`);
    const r = spawnSync(SOPS, ['encrypt', '--filename-override', 'second/app.json'], { cwd: sub, env, input: '{"k": "v"}', encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.sops.age[0].recipient, key2.recipient);
    const d = spawnSync(SOPS, ['decrypt', '--filename-override', 'x.json', '--output-type', 'yaml'], { cwd: sub, env, input: r.stdout, encoding: 'utf8' });
    assert.equal(d.status, 0, d.stderr);
    assert.equal(d.stdout, 'k: v\n');
    // Without the override the input type comes from the flags, as sops has it.
    const t = spawnSync(SOPS, ['decrypt', '--input-type', 'json'], { cwd: sub, env, input: r.stdout, encoding: 'utf8' });
    assert.equal(t.stdout, '{\n\t"k": "v"\n}\n', t.stderr);
  });

  it('filestatus prints {"encrypted":...}; groups add/delete change the key groups; exec-* argument checks', () => {
    const p = encrypted('status.yaml');
    assert.equal(sops(['filestatus', p]).out, '{"encrypted":true}\n');
    const plain = join(dir, 'plain-status.yaml');
    writeFileSync(plain, 'a: 1\n');
    assert.equal(sops(['filestatus', plain]).out, '{"encrypted":false}\n');
    refused(['filestatus'], 100, 'Error: no file specified');

    const add = sops(['groups', 'add', '--file', p, '-i', '--age', key2.recipient, '--age', key.recipient]);
    assert.equal(add.code, 0, add.err);
    const groups = parseYaml(readFileSync(p, 'utf8')).sops.key_groups;
    assert.equal(groups.length, 2);
    // Both repeated --age values are in the new group (groups add takes a list, unlike encrypt's --age).
    assert.deepEqual(groups[1].age.map((e: { recipient: string }) => e.recipient).sort(), [key.recipient, key2.recipient].sort());
    refused(['groups', 'add', '--file', p, 'extra'], 1, 'error: no positional arguments allowed');
    refused(['groups', 'delete', '--file', p], 1, 'error: exactly one positional argument (index) required');
    refused(['groups', 'delete', '-f', p, '-i', '0'], 1, /Shamir threshold is 2/);
    const del = sops(['groups', 'delete', '-f', p, '-i', '--shamir-secret-sharing-threshold', '1', '0']);
    assert.equal(del.code, 0, del.err);
    const md = parseYaml(readFileSync(p, 'utf8')).sops;
    assert.equal(md.key_groups?.length ?? 1, 1);
    assert.equal(sops(['decrypt', p], { env: { SOPS_AGE_KEY_FILE: key2.file } }).out, 'a: 1\nb: secret\n');

    refused(['exec-env', p], 1, 'error: missing file to decrypt');
    refused(['exec-file', p], 1, 'error: missing file to decrypt');
    refused(['exec-env', '--same-process', '--background', p, 'true'], 8, 'Error: The --same-process flag cannot be used with --background');
    // --pristine: only the decrypted values; --same-process: COMMAND's status is sops's.
    const pristine = sops(['exec-env', '--pristine', p, '/usr/bin/env'], { env: { SOPS_AGE_KEY_FILE: key2.file } });
    assert.equal(pristine.code, 0, pristine.err);
    assert.doesNotMatch(pristine.out, /^HOME=/m);
    assert.equal(sops(['exec-env', '--same-process', p, 'exit 7'], { env: { SOPS_AGE_KEY_FILE: key2.file } }).code, 7);
  });

  it('edit -s and the older `sops -s FILE` show the metadata in the editor; updatekeys -r and rotate -r take a directory', () => {
    const p = encrypted('showkeys.yaml');
    const editor = join(dir, 'grep-editor.sh');
    writeFileSync(editor, `#!/bin/sh\ngrep -q "${key.recipient}" "$1" || exit 3\n`);
    chmodSync(editor, 0o755);
    refused(['edit', '-s', p], 200, 'File has not changed, exiting.', { env: { EDITOR: editor } });
    refused(['-s', p], 200, 'File has not changed, exiting.', { env: { EDITOR: editor } });
    // Without -s the recipient is not in the text: the editor fails, sops's edit fails, the file is kept.
    const before = readFileSync(p, 'utf8');
    assert.notEqual(sops(['edit', p], { env: { EDITOR: editor } }).code, 0);
    assert.equal(readFileSync(p, 'utf8'), before);

    const tree = join(dir, 'tree');
    spawnSync('mkdir', ['-p', join(tree, 'sub')]);
    writeFileSync(join(tree, '.sops.yaml'), `creation_rules:\n  - age: ${key.recipient}\n`);
    for (const f of ['one.yaml', 'sub/two.yaml']) {
      writeFileSync(join(tree, f), 'k: v\n');
      assert.equal(sops(['encrypt', '-i', join(tree, f)]).code, 0);
    }
    writeFileSync(join(tree, '.sops.yaml'), `creation_rules:\n  - age: ${key.recipient},${key2.recipient}\n`);
    const uk = sops(['updatekeys', '-y', '-r', tree]);
    assert.equal(uk.code, 0, uk.err);
    for (const f of ['one.yaml', 'sub/two.yaml']) assert.equal(parseYaml(readFileSync(join(tree, f), 'utf8')).sops.age.length, 2, f);
    const old = readFileSync(join(tree, 'sub/two.yaml'), 'utf8');
    const rot = sops(['rotate', '-i', '-r', tree]);
    assert.equal(rot.code, 0, rot.err);
    assert.notEqual(readFileSync(join(tree, 'sub/two.yaml'), 'utf8'), old);
    assert.equal(sops(['decrypt', join(tree, 'sub/two.yaml')], { env: { SOPS_AGE_KEY_FILE: key2.file } }).out, 'k: v\n');
  });
});
