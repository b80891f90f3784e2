#!/usr/bin/env node
// Bundles the CLI into one CommonJS file, dist/cli.cjs, with esbuild, then has scripts/train-cache.cjs run typical
// commands on throwaway data to leave V8's code cache for it (dist/cli.cjs.cache; see bin/helm-secrets.js).
// Modules a command may not need (age encryption, openpgp, the yaml Document API) are bundled but initialised only
// when first used; the key-service SDKs stay outside the bundle and are required only when a file uses them.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
rmSync(join(root, 'dist'), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/cli.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: false,
  logLevel: 'warning',
  external: ['@aws-sdk/*', '@smithy/*', '@google-cloud/*', '@grpc/*', 'google-gax', 'google-auth-library', '@azure/*', 'openpgp'],
  // The sources are ES modules: import.meta.url becomes the bundle's own URL.
  define: { 'import.meta.url': '__bundle_url' },
  banner: { js: "var __bundle_url = require('node:url').pathToFileURL(__filename).href;" },
});

// The bundle runs as a vm.Script (bin/helm-secrets.js), where Node 20 has no loader for import(): everything
// outside the bundle must be require()d. Refuse a build that would fail only when that line runs.
const dynamicImport = /\bimport\((?!\))/.exec(readFileSync(join(root, 'dist', 'cli.cjs'), 'utf8'));
if (dynamicImport) {
  process.stderr.write('[helm-secrets] build: dist/cli.cjs contains import(): load modules outside the bundle with require (src/keys/sdk.ts)\n');
  process.exit(1);
}

const train = spawnSync(process.execPath, [join(root, 'scripts', 'train-cache.cjs')], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
if (train.status !== 0) {
  // The plugin works without the cache, only starts slower: say so, and do not fail the build.
  process.stderr.write(`[helm-secrets] build: no code cache (${(train.stderr || train.error?.message || '').trim().split('\n').pop()})\n`);
}
