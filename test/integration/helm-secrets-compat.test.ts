// The contract helm-secrets users and their scripts rely on, in our own cases: which .sops.yaml a file gets, the
// backend arguments (-a, --backend-args, HELM_SECRETS_BACKEND_ARGS) read as sops flags, helm-secrets' own messages
// and exit codes next to the engine's, help pages, format from content, the hooks' quoting, and the rough edges
// a new user meets (no identity anywhere, no gpg, clean of a missing directory, an empty decrypted-file suffix).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, testEnv } from '../helpers/env.js';
import { helmRecords, writeFakeHelm } from '../helpers/fakehelm.js';
import { HS_VECTORS, ROOT } from '../helpers/paths.js';
import { requireTool } from '../helpers/tools.js';

// Two of the test identities (their private halves are in testEnv's SOPS_AGE_KEY_FILE).
const R1 = 'age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju';
const R2 = 'age1je6kjhzuhdjy3fqptpttxjh5k8q46vygzlgtpuq3030c947pc5tqz9dqvr';
// As sops writes YAML: four spaces.
const PLAIN = 'db:\n    user: admin\n    password: hunter2\npublic_unencrypted: a\n';

let dir: string;
const text = (b: Buffer) => b.toString('utf8');

/** A fresh file encrypted for R1 (age only: fast, no gpg). */
function encrypted(name: string, plain = PLAIN): string {
  const f = join(dir, name);
  writeFileSync(f, plain);
  const r = runCli(['encrypt', '-i', '--age', R1, f]);
  assert.equal(r.code, 0, r.stderr);
  return f;
}

describe('helm-secrets compatibility (contract of the helm-secrets unit suite, own cases)', function () {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hs-compat-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('the .sops.yaml nearest the file decides', () => {
    let repo: string;
    before(() => {
      repo = join(dir, 'repo');
      mkdirSync(join(repo, 'charts', 'a'), { recursive: true });
      mkdirSync(join(repo, 'charts', 'b', 'deep'), { recursive: true });
      // The root's rule names charts/a's file by its path from the root; charts/b's rule is anchored at charts/b.
      writeFileSync(join(repo, '.sops.yaml'), `creation_rules:\n  - path_regex: ^charts/a/secrets\\.yaml$\n    age: ${R1}\n`);
      writeFileSync(join(repo, 'charts', 'b', '.sops.yaml'), `creation_rules:\n  - path_regex: ^(deep/)?secrets\\.yaml$\n    age: ${R2}\n`);
      for (const p of ['charts/a/secrets.yaml', 'charts/b/secrets.yaml', 'charts/b/deep/secrets.yaml']) writeFileSync(join(repo, p), 'k: v\n');
    });

    it('from the repository root, each file gets its own directory\'s rule', () => {
      const a = runCli(['encrypt', 'charts/a/secrets.yaml'], { cwd: repo });
      assert.equal(a.code, 0, a.stderr);
      assert.match(text(a.stdout), new RegExp(`recipient: ${R1}`));
      const b = runCli(['encrypt', 'charts/b/secrets.yaml'], { cwd: repo });
      assert.equal(b.code, 0, b.stderr);
      assert.match(text(b.stdout), new RegExp(`recipient: ${R2}`));
      assert.doesNotMatch(text(b.stdout), new RegExp(R1));
    });

    it('path_regex is matched against the path relative to the config that was found, below it too', () => {
      const r = runCli(['encrypt', join(repo, 'charts/b/deep/secrets.yaml')], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.match(text(r.stdout), new RegExp(`recipient: ${R2}`));
    });

    it('from a directory with another .sops.yaml, the file\'s own config still wins', () => {
      const r = runCli(['encrypt', '../a/secrets.yaml'], { cwd: join(repo, 'charts', 'b') });
      assert.equal(r.code, 0, r.stderr);
      assert.match(text(r.stdout), new RegExp(`recipient: ${R1}`));
    });

    it('--config and SOPS_CONFIG are taken relative to the current directory', () => {
      const viaFlag = runCli(['encrypt', '--config', 'charts/b/.sops.yaml', 'charts/b/secrets.yaml'], { cwd: repo });
      assert.equal(viaFlag.code, 0, viaFlag.stderr);
      assert.match(text(viaFlag.stdout), new RegExp(`recipient: ${R2}`));
      // The root's config does not match charts/b's file: its own words, naming the config used.
      const viaEnv = runCli(['encrypt', 'charts/b/secrets.yaml'], { cwd: repo, env: testEnv({ SOPS_CONFIG: '.sops.yaml' }) });
      assert.equal(viaEnv.code, 1);
      assert.match(viaEnv.stderr, /no matching creation rules found/);
    });
  });

  describe('backend arguments are sops flags', () => {
    let f: string;
    before(() => {
      f = encrypted('backend.yaml');
    });

    const verboseRuns: [string, string[], NodeJS.ProcessEnv][] = [
      ['-a', ['-a', '--verbose'], {}],
      ['--backend-args', ['--backend-args', '--verbose'], {}],
      ['--backend-args=', ['--backend-args=--verbose'], {}],
      ['HELM_SECRETS_BACKEND_ARGS', [], { HELM_SECRETS_BACKEND_ARGS: '--verbose' }],
    ];
    for (const [how, pre, extra] of verboseRuns) {
      it(`${how} --verbose: sops's log lines on stderr, plaintext on stdout`, () => {
        const r = runCli([...pre, 'decrypt', f], { env: testEnv(extra) });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(text(r.stdout), PLAIN);
        assert.match(r.stderr, /^\[AGE\]\t time="[^"]+" level=info msg="Decryption succeeded" recipient=age1rh2x/m);
        assert.match(r.stderr, /^\[SOPS\]\t time="[^"]+" level=info msg="Data key recovered successfully"$/m);
      });
    }

    it('without --verbose there are no log lines', () => {
      const r = runCli(['decrypt', f]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
    });

    it('words are split as a shell would: quotes removed ("--output-type \\"json\\"")', () => {
      const r = runCli(['-a', '--verbose --output-type "json"', 'decrypt', f]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(text(r.stdout)), { db: { user: 'admin', password: 'hunter2' }, public_unencrypted: 'a' });
      assert.match(r.stderr, /Data key recovered successfully/);
    });

    it('--indent, and the command\'s own flags win over them', () => {
      const two = runCli(['-a', '--indent 2', 'decrypt', f]);
      assert.equal(text(two.stdout), PLAIN.replace(/^ {4}/gm, '  '));
      const own = runCli(['-a', '--output-type json', 'decrypt', '--output-type', 'yaml', f]);
      assert.equal(text(own.stdout), PLAIN);
    });

    it('--ignore-mac reads a file whose MAC no longer matches (with a warning); without it, sops\'s exit 51', () => {
      const t = join(dir, 'tampered.yaml');
      writeFileSync(t, readFileSync(f, 'utf8').replace('public_unencrypted: a', 'public_unencrypted: b'));
      const strict = runCli(['decrypt', t]);
      assert.equal(strict.code, 51, strict.stderr);
      assert.match(strict.stderr, /^\[helm-secrets\] Error: .*tampered\.yaml: /);
      const lax = runCli(['-a', '--ignore-mac', 'decrypt', t]);
      assert.equal(lax.code, 0, lax.stderr);
      assert.match(text(lax.stdout), /public_unencrypted: b/);
      assert.match(lax.stderr, /MAC not checked/);
    });

    it('--decryption-order is checked as sops checks it (a kind named twice: exit 112)', () => {
      const r = runCli(['-a', '--decryption-order age,age', 'decrypt', f]);
      assert.equal(r.code, 112, r.stderr);
      assert.match(r.stderr, /Duplicate decryption key type: age/);
      const ok = runCli(['-a', '--decryption-order=pgp,age', 'decrypt', f]);
      assert.equal(ok.code, 0, ok.stderr);
    });

    it('key and rule flags apply to encrypt', () => {
      const plain = join(dir, 'keys.yaml');
      writeFileSync(plain, PLAIN);
      const r = runCli(['-a', `--age ${R2} --encrypted-regex ^password$`, 'encrypt', plain]);
      assert.equal(r.code, 0, r.stderr);
      const out = text(r.stdout);
      assert.match(out, new RegExp(`recipient: ${R2}`));
      assert.match(out, /user: admin/);
      assert.match(out, /password: ENC\[/);
      assert.match(out, /encrypted_regex: \^password\$/);
      // sops's short spelling -a of --age.
      const short = runCli(['-a', `-a ${R2}`, 'encrypt', plain]);
      assert.equal(short.code, 0, short.stderr);
      assert.match(text(short.stdout), new RegExp(`recipient: ${R2}`));
    });

    const refused: [string, string[], RegExp][] = [
      ['-i (helm-secrets chooses where the result goes)', ['-a', '-i', 'decrypt'], /-i does not apply: helm-secrets chooses where the result goes/],
      ['--output', ['-a', '--output x.yaml', 'decrypt'], /--output does not apply/],
      ['-d', ['-a', '-d', 'decrypt'], /-d does not apply: helm-secrets chooses the operation/],
      ['--extract', ['-a', '--extract ["db"]', 'decrypt'], /--extract does not apply/],
      ['a file name', ['-a', 'other.yaml', 'decrypt'], /"other\.yaml" is not a flag/],
      ['an unknown flag', ['-a', '--frobnicate', 'decrypt'], /--frobnicate is not a sops flag/],
      ['an encryption flag when decrypting', ['-a', `--age ${R2}`, 'decrypt'], /--age applies to encryption only, not to decrypt/],
      ['a switch given a value', ['-a', '--verbose=1', 'decrypt'], /--verbose takes no value/],
      ['a flag without its value', ['-a', '--input-type', 'decrypt'], /--input-type needs a value/],
      ['an unterminated quote', ['-a', '--config "x', 'decrypt'], /unterminated quote/],
    ];
    for (const [what, pre, message] of refused) {
      it(`refuses ${what}, by name, exit 1, nothing on stdout`, () => {
        const r = runCli([...pre, f]);
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /^\[helm-secrets\] Error: backend arguments \(-a, --backend-args, HELM_SECRETS_BACKEND_ARGS\): /);
        assert.match(r.stderr, message);
        assert.equal(r.stdout.length, 0);
      });
    }

    describe('in the helm wrapper', () => {
      let fakeDir: string;
      let out: string;
      let env: NodeJS.ProcessEnv;
      beforeEach(() => {
        fakeDir = mkdtempSync(join(dir, 'fakehelm-'));
        out = join(fakeDir, 'out');
        mkdirSync(out);
        env = testEnv({ HELM_SECRETS_HELM_PATH: writeFakeHelm(fakeDir), FAKE_HELM_OUT: out });
      });

      it('-a --verbose before the helm command: the log lines, then helm runs', () => {
        const r = runCli(['-a', '--verbose', 'template', 'chart', '-f', f], { env });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr, /Data key recovered successfully/);
        assert.match(r.stderr, /\[helm-secrets\] Decrypt: .*backend\.yaml/);
        assert.equal(helmRecords(out).length, 1);
      });

      it('HELM_SECRETS_BACKEND_ARGS with an encryption flag is refused before helm runs', () => {
        const r = runCli(['template', 'chart', '-f', f], { env: { ...env, HELM_SECRETS_BACKEND_ARGS: `--age ${R2}` } });
        assert.equal(r.code, 1);
        assert.match(r.stderr, /--age applies to encryption only, not to helm template/);
        assert.equal(helmRecords(out).length, 0);
      });

      it('a plain URL that cannot be fetched is a values file that does not exist', () => {
        const url = 'http://127.0.0.1:9/values.yaml';
        const r = runCli(['template', 'chart', '-f', url], { env });
        assert.equal(r.code, 1);
        // helm-secrets' words, then why (the cause is ours: connection refused, HTTP 404, ...).
        assert.equal(r.stderr, `[helm-secrets] File does not exist: ${url} (connection refused)\n`);
        assert.equal(helmRecords(out).length, 0);
      });
    });
  });

  describe('who speaks: helm-secrets\' own checks (exit 1) and the engine (sops\'s words and codes)', () => {
    for (const cmd of ['decrypt', 'encrypt', 'dec', 'enc', 'view']) {
      it(`${cmd} without a file: "secrets file required", exit 1`, () => {
        const r = runCli([cmd]);
        assert.equal(r.code, 1);
        assert.equal(r.stderr, '[helm-secrets] Error: secrets file required.\n');
      });
    }

    it('edit without a file: its help, then "secrets file required", exit 1', () => {
      const r = runCli(['edit']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^Edit encrypted secrets\n/);
      assert.match(r.stderr, /\[helm-secrets\] Error: secrets file required\.\n$/);
    });

    for (const cmd of ['decrypt', 'encrypt', 'view']) {
      it(`${cmd} of a missing file: "File does not exist: F", exit 1`, () => {
        const r = runCli([cmd, 'nope/missing.yaml'], { cwd: dir });
        assert.equal(r.code, 1);
        assert.equal(r.stderr, '[helm-secrets] File does not exist: nope/missing.yaml\n');
      });
    }

    it('decrypt of a plain file: "File is not encrypted: F", exit 1', () => {
      const p = join(dir, 'plain.yaml');
      writeFileSync(p, PLAIN);
      const r = runCli(['decrypt', p]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, `[helm-secrets] File is not encrypted: ${p}\n`);
    });

    it('encrypt of an encrypted file: "Already encrypted: F", exit 1, file untouched', () => {
      const f = encrypted('twice.yaml');
      const before = readFileSync(f);
      const r = runCli(['encrypt', '-i', '--age', R2, f]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, `[helm-secrets] Already encrypted: ${f}\n`);
      assert.deepEqual(readFileSync(f), before);
    });

    it('encrypt -i is silent on success', () => {
      const p = join(dir, 'silent.yaml');
      writeFileSync(p, PLAIN);
      const r = runCli(['encrypt', '-i', '--age', R1, p]);
      assert.equal(r.code, 0);
      assert.equal(r.stderr + text(r.stdout), '');
    });

    it('no keys anywhere for a new file: sops\'s own sentence', () => {
      const empty = mkdtempSync(join(dir, 'nocfg-'));
      writeFileSync(join(empty, 'x.yaml'), 'a: b\n');
      const r = runCli(['encrypt', 'x.yaml'], { cwd: empty });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /config file not found, or has no creation rules, and no keys provided through command line options/);
    });
  });

  describe('help', () => {
    it('each command page starts with helm-secrets\' first line', () => {
      for (const [cmd, first] of [
        ['decrypt', 'Decrypt secrets'],
        ['encrypt', 'Encrypt secrets'],
        ['edit', 'Edit encrypted secrets'],
      ]) {
        const r = runCli([cmd!, '--help']);
        assert.equal(r.code, 0);
        assert.equal(text(r.stdout).split('\n')[0], first);
      }
    });

    it('no command: the overview on stdout and exit 1; --help: exit 0; every global option listed', () => {
      const none = runCli([]);
      assert.equal(none.code, 1);
      assert.match(text(none.stdout), /^Available Commands:$/m);
      const help = runCli(['--help']);
      assert.equal(help.code, 0);
      const page = text(help.stdout);
      assert.equal(page, text(none.stdout));
      for (const opt of ['-q, --quiet', '-a, --backend-args', '-b, --backend', '--ignore-missing-values', '--decrypt-secrets-in-tmp-dir', '--evaluate-templates', '-h, --help', '-v, --version']) {
        assert.ok(page.includes(opt), `${opt} missing from --help`);
      }
    });
  });

  it('decrypt takes the format from the content: YAML in secrets.yaml.gotpl', () => {
    const g = join(dir, 'secrets.yaml.gotpl');
    writeFileSync(g, 'global_secret: "{{ .Values.x }}"\n');
    const e = runCli(['encrypt', '-i', '--input-type', 'yaml', '--output-type', 'yaml', '--age', R1, g]);
    assert.equal(e.code, 0, e.stderr);
    assert.match(readFileSync(g, 'utf8'), /^sops:$/m);
    const r = runCli(['decrypt', g]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(text(r.stdout), 'global_secret: \'{{ .Values.x }}\'\n');
  });

  it('the install and update hooks work from a plugin directory whose path has a space', () => {
    const plugin = join(dir, 'plugin dir', 'secrets');
    mkdirSync(join(plugin, 'scripts'), { recursive: true });
    copyFileSync(join(ROOT, 'scripts', 'install-hook.sh'), join(plugin, 'scripts', 'install-hook.sh'));
    chmodSync(join(plugin, 'scripts', 'install-hook.sh'), 0o755);
    // A stand-in for node that shows what it was asked to run.
    const fakeNode = join(dir, 'fake-node');
    writeFileSync(fakeNode, '#!/bin/sh\nprintf "%s|" "$@"\n', { mode: 0o755 });
    const manifest = readFileSync(join(ROOT, 'plugin.yaml'), 'utf8');
    for (const hook of ['install', 'update']) {
      const line = new RegExp(`^  ${hook}: '(.*)'$`, 'm').exec(manifest);
      assert.ok(line, `no ${hook} hook in plugin.yaml`);
      // As helm runs a hook: sh -c with HELM_PLUGIN_DIR in the environment.
      const r = spawnSync('sh', ['-c', line[1]!], { env: { ...process.env, HELM_PLUGIN_DIR: plugin, HELM_SECRETS_NODE_PATH: fakeNode }, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `${plugin}/scripts/install-hook.mjs|${hook}|`);
    }
  });

  it('edit of a new file in a directory that does not exist is refused before the editor opens', () => {
    const marker = join(dir, 'editor-ran');
    const editor = join(dir, 'editor.sh');
    writeFileSync(editor, `#!/bin/sh\ntouch '${marker}'\necho 'typed: text' > "$1"\n`, { mode: 0o755 });
    writeFileSync(join(dir, '.sops.yaml'), `creation_rules:\n  - age: ${R1}\n`);
    try {
      const r = runCli(['edit', 'no/such/dir/new.yaml'], { cwd: dir, env: testEnv({ EDITOR: editor }) });
      assert.equal(r.code, 1);
      assert.equal(r.stderr, '[helm-secrets] Directory does not exist: no/such/dir\n');
      assert.equal(existsSync(marker), false, 'the editor was opened');
    } finally {
      rmSync(join(dir, '.sops.yaml'));
    }
  });

  it('clean of a directory that does not exist is an error, not "0 removed"', () => {
    const r = runCli(['clean', join(dir, 'nonexistent')]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `[helm-secrets] Directory does not exist: ${join(dir, 'nonexistent')}\n`);
    const file = runCli(['clean', join(HS_VECTORS, 'tests', 'assets', 'values', 'sops', 'secrets.yaml')]);
    assert.equal(file.code, 1);
    assert.match(file.stderr, /Not a directory: /);
  });

  it('an empty HELM_SECRETS_DEC_SUFFIX means .dec: dec never writes over the encrypted file, and clean finds it', () => {
    const sub = mkdtempSync(join(dir, 'dec-'));
    const f = join(sub, 'secrets.yaml');
    writeFileSync(f, PLAIN);
    assert.equal(runCli(['encrypt', '-i', '--age', R1, f]).code, 0);
    const enc = readFileSync(f);
    const env = testEnv({ HELM_SECRETS_DEC_SUFFIX: '' });
    const d = runCli(['dec', f], { env });
    assert.equal(d.code, 0, d.stderr);
    assert.deepEqual(readFileSync(f), enc);
    assert.equal(readFileSync(`${f}.dec`, 'utf8'), PLAIN);
    const c = runCli(['clean', sub], { env });
    assert.equal(c.code, 0, c.stderr);
    assert.equal(existsSync(`${f}.dec`), false);
    assert.deepEqual(readFileSync(f), enc);
  });

  it('no age identity anywhere: the error says where it looked, unlike a wrong key', () => {
    const f = encrypted('who.yaml');
    const home = mkdtempSync(join(dir, 'home-'));
    const env = testEnv({ HOME: home, XDG_CONFIG_HOME: join(home, '.config') });
    delete env.SOPS_AGE_KEY_FILE;
    const none = runCli(['decrypt', f], { env });
    assert.equal(none.code, 128);
    assert.match(none.stderr, new RegExp(`no age identity found: did not find keys in SOPS_AGE_KEY \\(not set\\), SOPS_AGE_KEY_FILE \\(not set\\), SOPS_AGE_KEY_CMD \\(not set\\), '${join(home, '.config', 'sops', 'age', 'keys.txt')}'`));
    const wrongKey = join(dir, 'wrong.txt');
    writeFileSync(wrongKey, readFileSync(join(HS_VECTORS, '..', 'sops', 'age', 'mock_identity.txt')));
    const wrong = runCli(['decrypt', f], { env: { ...env, SOPS_AGE_KEY_FILE: wrongKey } });
    assert.equal(wrong.code, 128);
    assert.doesNotMatch(wrong.stderr, /no age identity found/);
  });

  it('no gpg binary and no key in the environment: says so and names SOPS_PGP_KEY_FILE', function () {
    requireTool(this, 'gpg');
    const pgpFile = join(HS_VECTORS, 'tests', 'assets', 'values', 'sops', 'secrets.yaml');
    const env = testEnv({ SOPS_GPG_EXEC: join(dir, 'no-gpg-here') });
    delete env.SOPS_AGE_KEY_FILE;
    const r = runCli(['decrypt', pgpFile], { env });
    assert.equal(r.code, 128);
    assert.match(r.stderr, /gpg not found \(.*no-gpg-here\) and no key in SOPS_PGP_KEY or SOPS_PGP_KEY_FILE: install gnupg, or set SOPS_PGP_KEY_FILE/);
  });
});
