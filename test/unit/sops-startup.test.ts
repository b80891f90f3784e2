// bin/sops's start-up: --version and --help (which tools run to find sops) evaluate none of the engine, key kinds,
// config or stores; decrypt does. Run from source with the loader hook that records every module node evaluates.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../helpers/paths.js';

const TSX = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
// The key kinds' descriptors (src/keys/registry.ts, src/keys/kinds/) are light and give the help its key flags; the
// .sops.yaml memo switch (src/config/memo.ts) is a flag the entry point sets; src/config/runbackend.ts names the
// run's backend (one read of HELM_SECRETS_BACKEND). None of them loads key code or config code.
const HEAVY = [/^src\/engine\.ts$/, /^src\/keys\/(?!registry\.ts$|kinds\/)/, /^src\/sops\/stores\//, /^src\/config\/(?!backendargs\.ts|memo\.ts|runbackend\.ts)/, /node_modules\/(yaml|age-encryption|openpgp|@aws-sdk)\//];

function modulesLoadedBy(argv: string[]): { loaded: string[]; code: number | null } {
  const dir = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), 'sops-trace-'));
  try {
    const trace = join(dir, 'trace.txt');
    const main = pathToFileURL(join(ROOT, 'src', 'cli', 'main.ts')).href;
    const r = spawnSync(
      process.execPath,
      ['--import', TSX, '--import', pathToFileURL(join(ROOT, 'test', 'helpers', 'load-trace.mjs')).href, '--input-type=module', '-e', `const { main } = await import(${JSON.stringify(main)}); process.exitCode = await main(${JSON.stringify(argv)}, 'sops');`],
      { cwd: dir, env: { ...process.env, LOAD_TRACE_FILE: trace }, encoding: 'utf8' },
    );
    const loaded = readFileSync(trace, 'utf8')
      .split('\n')
      .filter((u) => u.startsWith('file:'))
      .map((u) => relative(ROOT, new URL(u).pathname));
    return { loaded, code: r.status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('bin/sops start-up: what --version and --help load', () => {
  for (const argv of [['--version'], ['--help'], ['decrypt', '--help']]) {
    it(`sops ${argv.join(' ')} evaluates none of the engine, keys, config or stores`, () => {
      const { loaded, code } = modulesLoadedBy(argv);
      assert.equal(code, 0);
      assert.ok(loaded.includes('src/cli/sops/main.ts'), loaded.join(' '));
      assert.deepEqual(loaded.filter((m) => HEAVY.some((re) => re.test(m))), []);
    });
  }

  it('sops decrypt does load the engine (the hook sees lazy imports)', () => {
    assert.ok(modulesLoadedBy(['decrypt', join(ROOT, 'package.json')]).loaded.includes('src/engine.ts'));
  });
});
