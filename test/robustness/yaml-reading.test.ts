// The YAML store reads a file as helm (go-yaml) does, from an attacker's side: someone who can edit an encrypted
// file but holds no key. A clear comment holding a YAML 1.1 line break (U+2028, U+2029, U+0085) hides a key from a
// reader that takes those as ordinary characters while helm deploys it; an alias bomb exhausts memory before any key
// is needed; malformed YAML must be refused, not reshaped. Through the CLI, the helm wrapper, the getter and
// `check`, on helm 3.18 and 4.1.4.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HELM, HS_VECTORS, ROOT, CLI } from '../helpers/paths.js';
import { runCli, testEnv } from '../helpers/env.js';
import { runText as run } from '../helpers/proc.js';

const AGE_FILE = join(HS_VECTORS, 'tests/assets/values/sops/secrets.age.yaml');
const AGE_KEY = join(HS_VECTORS, 'tests/assets/age/key.txt');
const CHART = join(ROOT, 'test/fixtures/chart');

/** The age vector with `text` put in front of its `sops:` block. */
function injected(text: string): string {
  const src = readFileSync(AGE_FILE, 'utf8');
  const at = src.indexOf('\nsops:') + 1;
  return src.slice(0, at) + text + src.slice(at);
}

const INJECTIONS: Record<string, string> = {
  'LS in a comment, a new key': '# rotated\u2028injected: attacker\n',
  'LS in a comment, the chart\'s own key': '# rotated\u2028global_secret: attacker\n',
  'PS in a comment': '# note\u2029injected: attacker\n',
  'NEL in a comment': '# note\u0085injected: attacker\n',
  'LS after a value on the same line': 'extra: ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAA,type:str] # c\u2028injected: attacker\n',
};

describe('YAML reading from an attacker\'s side', function () {
  this.timeout(180000);
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hs-yaml-attack-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('a clear comment with a YAML 1.1 line break does not hide a key', () => {
    for (const [name, text] of Object.entries(INJECTIONS)) {
      it(`${name}: decrypt and check refuse it, nothing is printed`, () => {
        const f = join(dir, `inj-${Object.keys(INJECTIONS).indexOf(name)}.yaml`);
        writeFileSync(f, injected(text));
        const env = testEnv({ SOPS_AGE_KEY_FILE: AGE_KEY });
        const d = runCli(['decrypt', f], { env });
        assert.notEqual(d.code, 0, `decrypt accepted the injected file: ${d.stdout.toString()}`);
        assert.doesNotMatch(d.stdout.toString(), /attacker/);
        assert.match(d.stderr, /Could not decrypt value at (injected|extra)|already defined|MAC/);
        assert.equal(d.stderr.trim().split('\n').length, 1, d.stderr);
        // check, with no key at all, sees the same tree helm sees: the injected clear value is a finding.
        const c = runCli(['check', '--no-mac', f], { env: testEnv({ SOPS_AGE_KEY_FILE: '/nonexistent' }) });
        assert.notEqual(c.code, 0, c.stdout.toString() + c.stderr);
        assert.match(c.stdout.toString() + c.stderr, /plain-value|invalid/);
      });
    }
  });

  for (const version of ['v3', 'v4'] as const) {
    describe(`through helm ${version}`, function () {
      const helm = HELM[version];
      let env: NodeJS.ProcessEnv;
      let home: string;

      before(async function () {
        if (!existsSync(helm)) {
          if (process.env.CI === 'true') throw new Error(`${helm} is missing: npm ci extracts it (CI must not skip)`);
          this.skip();
        }
        home = mkdtempSync(join(tmpdir(), `hs-yaml-helm-${version}-`));
        env = testEnv({
          HELM_DATA_HOME: join(home, 'data'),
          HELM_CONFIG_HOME: join(home, 'config'),
          HELM_CACHE_HOME: join(home, 'cache'),
          SOPS_AGE_KEY_FILE: AGE_KEY,
          HELM_SECRETS_HELM_PATH: helm,
        });
        delete env.HELM_PLUGINS;
        const r = await run(helm, ['plugin', 'install', join(ROOT, 'plugins/helm-secrets-getter')], env);
        assert.equal(r.code, 0, r.stdout + r.stderr);
      });
      after(() => {
        if (home) rmSync(home, { recursive: true, force: true });
      });

      it('the untouched file renders (the chart and keys work)', async () => {
        const r = await run(process.execPath, [CLI, 'template', 'rel', CHART, '-f', AGE_FILE], env);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /global_secret: "global_age"/);
      });

      for (const [name, text] of Object.entries(INJECTIONS).slice(0, 2)) {
        it(`${name}: the wrapper and the getter refuse it and render nothing`, async () => {
          const f = join(dir, `helm-${version}-${Object.keys(INJECTIONS).indexOf(name)}.yaml`);
          writeFileSync(f, injected(text));
          const w = await run(process.execPath, [CLI, 'template', 'rel', CHART, '-f', f], env);
          assert.notEqual(w.code, 0, w.stdout);
          assert.doesNotMatch(w.stdout, /attacker|kind:/);
          const g = await run(helm, ['template', 'rel', CHART, '-f', `secrets://${f}`], env);
          assert.notEqual(g.code, 0, g.stdout);
          assert.doesNotMatch(g.stdout, /attacker|kind:/);
        });
      }

      it('an alias bomb is refused fast through the wrapper and the getter', async () => {
        const f = join(dir, `bomb-${version}.yaml`);
        writeFileSync(f, bomb());
        const t0 = Date.now();
        const w = await run(process.execPath, [CLI, 'template', 'rel', CHART, '-f', f], env);
        const g = await run(helm, ['template', 'rel', CHART, '-f', `secrets://${f}`], env);
        const ms = Date.now() - t0;
        console.log(`      [yaml] helm ${version}: alias bomb refused by the wrapper and the getter in ${ms} ms`);
        for (const r of [w, g]) {
          assert.notEqual(r.code, 0);
          assert.doesNotMatch(r.stdout, /kind:/);
          assert.match(r.stderr, /excessive aliasing/);
        }
      });
    });
  }

  it('an alias bomb is refused by decrypt and encrypt in well under a second, without the memory it would take', () => {
    const f = join(dir, 'bomb.yaml');
    writeFileSync(f, bomb());
    assert.ok(bomb().length < 600, `${bomb().length} bytes`);
    const small = join(dir, 'small.yaml');
    writeFileSync(small, 'a: 1\n');
    const env = testEnv({ SOPS_AGE_RECIPIENTS: 'age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju' });
    const rss = (args: string[]): { code: number | null; ms: number; kb: number; stderr: string } => {
      const t0 = Date.now();
      const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, CLI, ...args], { env, encoding: 'utf8' });
      const lines = r.stderr.trim().split('\n');
      return { code: r.status, ms: Date.now() - t0, kb: Number(lines.pop()), stderr: lines.join('\n') };
    };
    const base = rss(['encrypt', small]);
    // decrypt parses only what looks encrypted (helm-secrets' own check comes first): the bombs carry a sops entry.
    const encBomb = join(dir, 'bomb-enc.yaml');
    writeFileSync(encBomb, bomb() + 'sops:\n    version: 3.9.0\n    mac: x\n');
    // sops checks aliasing in the first document only; here every document is held to go-yaml's rule.
    const later = join(dir, 'bomb-later.yaml');
    writeFileSync(later, 'x: 1\n---\n' + bomb() + 'sops:\n    version: 3.9.0\n    mac: x\n');
    for (const [cmd, input] of [['decrypt', encBomb], ['encrypt', f], ['decrypt', later]] as const) {
      const r = rss([cmd, input]);
      console.log(`      [yaml] ${cmd} of a ${bomb().length}-byte alias bomb${input === later ? ' in a second document' : ''}: exit ${r.code} in ${r.ms} ms, ${Math.round(r.kb / 1024)} MB peak (a small file: ${Math.round(base.kb / 1024)} MB)`);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /excessive aliasing/);
      assert.ok(r.ms < 1000 || r.ms < base.ms + 500, `${r.ms} ms`);
      assert.ok(r.kb - base.kb < 100 * 1024, `${r.kb - base.kb} KB more than a small file`);
    }
  });

  it('refuses each malformed input with exit 2, a one-line message naming the file and line, and writes nothing', () => {
    const cases: [string, RegExp][] = [
      ['a: "x" y\n', /did not find expected key/],
      ['a: 1\n b: 2\n', /line 2: mapping values are not allowed in this context/],
      ['a:\n  b: 1\n c: 2\n', /did not find expected key/],
      ['a:\n\tb: 1\n', /found character that cannot start any token/],
      ['password: Hunter2: Sup3r\n', /mapping values are not allowed in this context/],
      ['a: [unclosed\n', /did not find expected ',' or '\]'/],
      ['a: {b: 1\n', /did not find expected ',' or '\}'/],
      ['a: "x\\/y"\n', /found unknown escape character/],
      ['a: x\x01y\n', /control characters are not allowed/],
      ['%FOO bar\n---\na: 1\n', /found unknown directive name/],
    ];
    const env = testEnv({ SOPS_AGE_RECIPIENTS: 'age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju' });
    cases.forEach(([text, why], i) => {
      const f = join(dir, `bad-${i}.yaml`);
      writeFileSync(f, text);
      for (const args of [['encrypt', f], ['encrypt', '-i', f]]) {
        const r = runCli(args, { env });
        assert.equal(r.code, 2, `${JSON.stringify(text)}: ${r.stderr}`);
        assert.match(r.stderr, why, JSON.stringify(text));
        assert.match(r.stderr, /line \d+/, `${JSON.stringify(text)}: no line in ${r.stderr}`);
        assert.ok(r.stderr.includes(f), `${JSON.stringify(text)}: the file is not named: ${r.stderr}`);
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
        assert.equal(r.stdout.length, 0);
        assert.equal(readFileSync(f, 'utf8'), text, 'the input changed');
      }
    });
  });

  it('reads a block scalar that ends the file without a line break as go-yaml does', () => {
    const env = testEnv({ SOPS_AGE_RECIPIENTS: 'age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju' });
    for (const [text, value] of [['multiline: |\n  multi\n  line', 'multi\nline'], ['folded: >\n  multi\n  line', 'multi line']] as const) {
      const f = join(dir, 'eof.yaml');
      writeFileSync(f, text);
      const enc = runCli(['encrypt', f], { env });
      assert.equal(enc.code, 0, enc.stderr);
      const g = join(dir, 'eof.enc.yaml');
      writeFileSync(g, enc.stdout);
      const dec = runCli(['decrypt', '--extract', `["${text.split(':')[0]}"]`, g]);
      assert.equal(dec.code, 0, dec.stderr);
      assert.equal(dec.stdout.toString(), value);
    }
  });

  it('writes a key named << quoted, so helm does not take it as a merge', () => {
    const env = testEnv({ SOPS_AGE_RECIPIENTS: 'age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju' });
    const f = join(dir, 'merge.yaml');
    writeFileSync(f, 'base:\n  "<<": literal\n');
    const enc = runCli(['encrypt', f], { env });
    assert.equal(enc.code, 0, enc.stderr);
    assert.match(enc.stdout.toString(), /^ {4}"<<": ENC\[/m);
    const g = join(dir, 'merge.enc.yaml');
    writeFileSync(g, enc.stdout);
    const dec = runCli(['decrypt', g]);
    assert.equal(dec.code, 0, dec.stderr);
    assert.equal(dec.stdout.toString(), 'base:\n    "<<": literal\n');
  });
});

/** A 9-level "billion laughs" document: under 600 bytes, billions of nodes once expanded. */
function bomb(): string {
  let s = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  const names = 'abcdefghi';
  for (let i = 1; i < names.length; i++) {
    const p = names[i - 1]!;
    s += `${names[i]}: &${names[i]} [*${p},*${p},*${p},*${p},*${p},*${p},*${p},*${p},*${p}]\n`;
  }
  return s;
}
