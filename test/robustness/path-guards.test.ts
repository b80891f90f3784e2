// Part 8 of the robustness suite: the Argo CD guards through the built wrapper. Absolute paths, `..` and symlinks
// (to a file or a directory on the way) out of the repository are refused when the matching
// HELM_SECRETS_VALUES_ALLOW_* is false, before anything is decrypted or helm runs; allowed otherwise.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptBytes } from '../../src/engine.js';
import { testEnv } from '../helpers/env.js';
import { helmRecords, writeFakeHelm } from '../helpers/fakehelm.js';
import { assertNoLeak, secretsOf } from '../helpers/leakscan.js';
import { ROOT } from '../helpers/paths.js';
import { runCliAsync } from '../helpers/proc.js';

const AGE_RECIPIENT = 'age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju';
const CHART = join(ROOT, 'test/fixtures/chart');

const counts = { refused: 0, allowed: 0 };

describe('robustness 8: path guards for Argo CD', function () {
  this.timeout(120000);
  let dir: string;
  let repo: string;
  let outside: string;
  let out: string;
  let helm: string;
  let secrets: string[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hs-guards-'));
    repo = join(dir, 'repo');
    outside = join(dir, 'outside');
    out = join(dir, 'helm-out');
    for (const d of [repo, outside, out, join(repo, 'sub')]) mkdirSync(d);
    helm = writeFakeHelm(dir);
    const env = testEnv();
    secrets = [];
    for (const f of [join(repo, 'secrets.yaml'), join(outside, 'secrets.yaml')]) {
      const enc = await encryptBytes(Buffer.from(`token: guard-secret-${f.includes('outside') ? 'outside' : 'inside'}-value\n`), f, { env, flags: { keys: { age: [AGE_RECIPIENT] } } });
      writeFileSync(f, enc);
      secrets.push(...(await secretsOf(enc, f, { env })));
    }
    symlinkSync(join(outside, 'secrets.yaml'), join(repo, 'link.yaml'));
    symlinkSync(outside, join(repo, 'linkdir'));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`      [robustness 8] ${counts.refused} out-of-repository references refused by a guard, ${counts.allowed} allowed when the guard is off or the path is inside`);
  });

  type Guard = 'HELM_SECRETS_VALUES_ALLOW_ABSOLUTE_PATH' | 'HELM_SECRETS_VALUES_ALLOW_PATH_TRAVERSAL' | 'HELM_SECRETS_VALUES_ALLOW_SYMLINKS';
  const ALL: Guard[] = ['HELM_SECRETS_VALUES_ALLOW_ABSOLUTE_PATH', 'HELM_SECRETS_VALUES_ALLOW_PATH_TRAVERSAL', 'HELM_SECRETS_VALUES_ALLOW_SYMLINKS'];

  async function run(refArgs: string[], off: Guard[]) {
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out);
    const env = testEnv({ HELM_SECRETS_HELM_PATH: helm, FAKE_HELM_OUT: out, ...Object.fromEntries(off.map((g) => [g, 'false'])) });
    const r = await runCliAsync(['template', 'x', CHART, ...refArgs], { env, cwd: repo });
    assertNoLeak(r.stdout, secrets, 'stdout');
    assertNoLeak(r.stderr, secrets, 'stderr');
    return r;
  }

  const refused: [string, (d: { outside: string; repo: string }) => string[], Guard, RegExp][] = [
    ['absolute path', (d) => ['-f', join(d.outside, 'secrets.yaml')], 'HELM_SECRETS_VALUES_ALLOW_ABSOLUTE_PATH', /absolute path/],
    ['absolute path inside the repository too', (d) => ['-f', join(d.repo, 'secrets.yaml')], 'HELM_SECRETS_VALUES_ALLOW_ABSOLUTE_PATH', /absolute path/],
    ['absolute secrets:// path', (d) => ['-f', `secrets://${join(d.outside, 'secrets.yaml')}`], 'HELM_SECRETS_VALUES_ALLOW_ABSOLUTE_PATH', /absolute path/],
    ['.. traversal', () => ['-f', '../outside/secrets.yaml'], 'HELM_SECRETS_VALUES_ALLOW_PATH_TRAVERSAL', /Path traversal/],
    ['.. in the middle', () => ['-f', 'sub/../../outside/secrets.yaml'], 'HELM_SECRETS_VALUES_ALLOW_PATH_TRAVERSAL', /Path traversal/],
    ['.. through --set-file', () => ['--set-file', 'k=../outside/secrets.yaml'], 'HELM_SECRETS_VALUES_ALLOW_PATH_TRAVERSAL', /Path traversal/],
    ['.. through secrets://', () => ['-f', 'secrets://../outside/secrets.yaml'], 'HELM_SECRETS_VALUES_ALLOW_PATH_TRAVERSAL', /Path traversal/],
    ['symlinked file', () => ['-f', 'link.yaml'], 'HELM_SECRETS_VALUES_ALLOW_SYMLINKS', /symlink/],
    ['symlinked directory on the way', () => ['-f', 'linkdir/secrets.yaml'], 'HELM_SECRETS_VALUES_ALLOW_SYMLINKS', /symlink/],
    ['symlinked directory, ./ form', () => ['-f', './linkdir/secrets.yaml'], 'HELM_SECRETS_VALUES_ALLOW_SYMLINKS', /symlink/],
  ];

  for (const [name, refs, guard, msg] of refused) {
    it(`${name}: refused when ${guard}=false (also with every guard on), allowed otherwise`, async () => {
      for (const off of [[guard], ALL]) {
        const r = await run(refs({ outside, repo }), off);
        assert.notEqual(r.code, 0, `${name} passed with ${off.join(',')}=false`);
        assert.match(r.stderr, msg);
        assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
        assert.equal(helmRecords(out).length, 0, 'helm ran');
        counts.refused++;
      }
      const ok = await run(refs({ outside, repo }), ALL.filter((g) => g !== guard));
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(helmRecords(out)[0]?.sums.length, 1, 'helm read the decrypted file');
      counts.allowed++;
    });
  }

  it('inside the repository, with every guard on: allowed', async () => {
    for (const ref of [['-f', 'secrets.yaml'], ['-f', './secrets.yaml'], ['-f', 'secrets://secrets.yaml'], ['--set-file', 'k=secrets.yaml']]) {
      const r = await run(ref, ALL);
      assert.equal(r.code, 0, `${ref.join(' ')}: ${r.stderr}`);
      counts.allowed++;
    }
  });
});
