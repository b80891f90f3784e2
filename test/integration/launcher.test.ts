// The sh launcher helm runs (scripts/plugin-entry) finds the plugin from its own path without forking: however it is
// named (absolute, relative, bare name, through a link to the plugin directory, a directory with a space), it runs
// the CLI of the plugin it lives in, and says so when that plugin is not built.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pkg from '../../package.json' with { type: 'json' };
import { testEnv } from '../helpers/env.js';
import { ROOT } from '../helpers/paths.js';

function run(argv: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd, env: testEnv(), encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('scripts/plugin-entry', function () {
  this.timeout(60000);
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hs-launcher-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the CLI however its path is written', () => {
    const link = join(dir, 'plugin link');
    symlinkSync(ROOT, link);
    const cases: [string[], string][] = [
      [[join(ROOT, 'scripts', 'plugin-entry'), 'version'], dir],
      [['./scripts/plugin-entry', 'version'], ROOT],
      [['sh', 'plugin-entry', 'version'], join(ROOT, 'scripts')],
      [[join(link, 'scripts', 'plugin-entry'), 'version'], dir],
      [['sh', join('plugin link', 'scripts', 'plugin-entry'), '--version'], dir],
    ];
    for (const [argv, cwd] of cases) {
      const r = run(argv, cwd);
      assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, `${pkg.version}\n`, argv.join(' '));
    }
  });

  it('in a plugin directory that is not built, says what to run and exits 1', () => {
    const copy = join(dir, 'unbuilt');
    mkdirSync(copy);
    cpSync(join(ROOT, 'scripts'), join(copy, 'scripts'), { recursive: true });
    cpSync(join(ROOT, 'bin'), join(copy, 'bin'), { recursive: true });
    const r = run([join(copy, 'scripts', 'plugin-entry'), 'version'], dir);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `[helm-secrets] the plugin is not built: run 'npm ci --omit=dev' in ${realpathSync(copy)} (or reinstall the plugin)\n`);
  });
});
