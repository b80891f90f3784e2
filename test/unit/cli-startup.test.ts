// Start-up: `version` and `--help` must not load the engine, the key kinds or the stores (issue 20). Checked twice:
// on the static import graph of src/cli/main.ts (what loads before the command is known), and by running the CLI
// from source with a loader hook that records every module node evaluates.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../helpers/paths.js';

const SRC = join(ROOT, 'src');
const TSX = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

/** Modules a light command may not load. */
// The key kinds' descriptors (src/keys/registry.ts, src/keys/kinds/) are light and give the help its key flags; the
// .sops.yaml memo switch (src/config/memo.ts) is a flag the entry point sets; src/config/runbackend.ts names the
// run's backend (one read of HELM_SECRETS_BACKEND). None of them loads key code or config code.
const HEAVY = [/^src\/engine\.ts$/, /^src\/keys\/(?!registry\.ts$|kinds\/)/, /^src\/sops\/stores\//, /^src\/config\/(?!backendargs\.ts|memo\.ts|runbackend\.ts)/, /^src\/helm\/wrapper\.ts$/, /node_modules\/(yaml|age-encryption|openpgp|@aws-sdk)\//];

/** Static value imports (not `import type`, not `import()`) from `file`, transitively, as paths below the root. */
function staticClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/^\s*(import|export)\s+(?!type\b)[^'";]*?from\s+'(\.[^']+)'/gm)) {
      const target = resolve(dirname(f), m[2]!).replace(/\.js$/, '.ts');
      if (target.endsWith('.ts')) todo.push(target);
    }
  }
  return new Set([...seen].map((f) => relative(ROOT, f)));
}

function heavy(mods: Iterable<string>): string[] {
  return [...mods].filter((m) => HEAVY.some((re) => re.test(m)));
}

describe('CLI start-up: what a light command loads', () => {
  it('the static import graph of main.ts holds the command registry and none of the engine, keys, config or stores', () => {
    const mods = staticClosure(join(SRC, 'cli', 'main.ts'));
    assert.ok(mods.has('src/cli/commands.ts'), [...mods].join(' '));
    assert.ok(mods.has('src/cli/encrypt.ts'), 'the descriptors are part of start-up');
    assert.deepEqual(heavy(mods), []);
  });

  for (const argv of [['version'], ['--help'], ['encrypt', '--help'], ['completion', 'bash']]) {
    it(`helm-secrets ${argv.join(' ')} evaluates none of them (loader hook)`, () => {
      const dir = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), 'hs-trace-'));
      try {
        const trace = join(dir, 'trace.txt');
        const main = pathToFileURL(join(SRC, 'cli', 'main.ts')).href;
        const r = spawnSync(
          process.execPath,
          ['--import', TSX, '--import', pathToFileURL(join(ROOT, 'test', 'helpers', 'load-trace.mjs')).href, '--input-type=module', '-e', `const { main } = await import(${JSON.stringify(main)}); process.exitCode = await main(${JSON.stringify(argv)});`],
          { cwd: ROOT, env: { ...process.env, LOAD_TRACE_FILE: trace }, encoding: 'utf8' },
        );
        assert.equal(r.status, 0, r.stderr);
        assert.ok(r.stdout.length > 0);
        const loaded = readFileSync(trace, 'utf8')
          .split('\n')
          .filter((u) => u.startsWith('file:'))
          .map((u) => relative(ROOT, new URL(u).pathname));
        assert.ok(loaded.includes('src/cli/main.ts') && loaded.includes('src/cli/commands.ts'), loaded.join(' '));
        assert.deepEqual(heavy(loaded), []);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('a file command does load the engine (the hook sees lazy imports)', () => {
    const dir = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), 'hs-trace-'));
    try {
      const trace = join(dir, 'trace.txt');
      const main = pathToFileURL(join(SRC, 'cli', 'main.ts')).href;
      spawnSync(
        process.execPath,
        ['--import', TSX, '--import', pathToFileURL(join(ROOT, 'test', 'helpers', 'load-trace.mjs')).href, '--input-type=module', '-e', `const { main } = await import(${JSON.stringify(main)}); process.exitCode = await main(['decrypt', 'missing.yaml']);`],
        { cwd: dir, env: { ...process.env, LOAD_TRACE_FILE: trace }, encoding: 'utf8' },
      );
      const loaded = readFileSync(trace, 'utf8');
      assert.match(loaded, /src\/engine\.ts/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
