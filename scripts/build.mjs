#!/usr/bin/env node
// Bundles the CLI into one CommonJS file, dist/cli.cjs, with esbuild, then has scripts/train-cache.cjs run typical
// commands on throwaway data to leave V8's code cache for it (dist/cli.cjs.cache; see bin/helm-secrets.js).
// Modules a command may not need (age encryption, the yaml Document API) are bundled but initialised only when
// first used. The AWS SDK is a second bundle, dist/aws.cjs, with its own cache; openpgp and the other key-service
// SDKs stay in node_modules. All of them are required only when a file uses them.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
rmSync(join(root, 'dist'), { recursive: true, force: true });
const common = {
  absWorkingDir: root,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: false,
  logLevel: 'warning',
  // The sources are ES modules: import.meta.url becomes the bundle's own URL.
  define: { 'import.meta.url': '__bundle_url' },
  banner: { js: "var __bundle_url = require('node:url').pathToFileURL(__filename).href;" },
  // The bundles run as vm.Scripts (bin/helm-secrets.js), where Node 20 has no loader for import(): esbuild turns an
  // import() of a module outside the bundle (the AWS SDK imports node:http and node:async_hooks that way) into require().
  supported: { 'dynamic-import': false },
};
await build({
  ...common,
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/cli.cjs',
  external: ['@aws-sdk/*', '@smithy/*', '@google-cloud/*', '@grpc/*', 'google-gax', 'google-auth-library', '@azure/*', 'openpgp'],
});
// The AWS SDK apart, with a cache of its own: only runs with a KMS key load it.
await build({ ...common, entryPoints: ['src/keys/aws-bundle.ts'], outfile: 'dist/aws.cjs' });

// Any import() left (see `supported` above) is refused here rather than failing when that line runs.
for (const name of ['cli', 'aws']) {
  const code = readFileSync(join(root, 'dist', `${name}.cjs`), 'utf8');
  // Lines of JSDoc (`@param {import('./x.js').T}`, kept by esbuild in some bundled packages) are not code.
  if (code.split('\n').some((line) => !/^\s*(\*|\/\/)/.test(line) && /\bimport\((?!\))/.test(line))) {
    process.stderr.write(`[helm-secrets] build: dist/${name}.cjs contains import(): load modules outside the bundle with require (src/keys/sdk.ts)\n`);
    process.exit(1);
  }
}

const train = spawnSync(process.execPath, [join(root, 'scripts', 'train-cache.cjs')], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
if (train.status !== 0) {
  // The plugin works without the cache, only starts slower: say so, and do not fail the build.
  process.stderr.write(`[helm-secrets] build: no code cache (${(train.stderr || train.error?.message || '').trim().split('\n').pop()})\n`);
}
