// Bundles the bench worker the way scripts/build.mjs bundles the CLI, so a measured child process loads
// one file per used part (as users' processes do) and no TypeScript loader inflates its time or memory.
import { build, type Plugin } from 'esbuild';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = join(import.meta.dirname, '..');

/**
 * A source module that does not exist (yet) fails only the cases that load it, at run time, with its name,
 * instead of failing the whole bench at build time.
 */
const missingAsRuntimeError: Plugin = {
  name: 'missing-as-runtime-error',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      const ts = resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts'));
      if (args.importer.includes('node_modules') || existsSync(ts) || existsSync(resolve(args.resolveDir, args.path))) return undefined;
      return { path: ts, external: true };
    });
  },
};

/** Builds bench/worker.ts; returns the bundle's path (under node_modules/.cache, so packages resolve). */
export async function buildWorker(): Promise<string> {
  const outdir = join(ROOT, 'node_modules', '.cache', 'helm-secrets-bench');
  rmSync(outdir, { recursive: true, force: true }); // no stale chunks from earlier builds
  mkdirSync(outdir, { recursive: true });
  await build({
    absWorkingDir: ROOT,
    entryPoints: { worker: 'bench/worker.ts' },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
    // Peers and SDKs stay as installed, loaded by node itself, like the CLI's lazily loaded SDKs.
    external: ['@aws-sdk/*', '@smithy/*', '@google-cloud/*', '@grpc/*', 'google-gax', '@azure/*', 'sops-decoder'],
    plugins: [missingAsRuntimeError],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return join(outdir, 'worker.mjs');
}
