#!/usr/bin/env node
// Bundles the CLI into dist/ with esbuild so start-up reads a few files, not hundreds.
// Key-service SDKs stay external and are loaded lazily (dynamic import) only when a file uses them.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await build({
  absWorkingDir: root,
  entryPoints: { cli: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: false,
  logLevel: 'warning',
  external: ['@aws-sdk/*', '@smithy/*', '@google-cloud/*', '@grpc/*', 'google-gax', 'google-auth-library', '@azure/*'],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
