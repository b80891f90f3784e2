#!/usr/bin/env node
// The work of the plugin's install/update hook: Node.js version check, production dependencies, build.
// A checkout that already has node_modules and a build (a developer's, or the tests') is used as it is.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (m) => process.stdout.write(`[helm-secrets] install: ${m}\n`);
const fail = (m) => {
  process.stderr.write(`[helm-secrets] install: ${m}\n`);
  process.exit(1);
};

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  fail(`Node.js >= 20.19 is required, found ${process.versions.node}; upgrade node and run: helm plugin update secrets`);
}
say(`Node.js ${process.versions.node} in ${root}`);

function run(cmd, args) {
  say(`running: ${cmd} ${args.join(' ')}`);
  // CI=true makes the prepare step insist on the test-only helm binaries; a plugin install never needs them.
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, CI: '' }, shell: process.platform === 'win32' });
  if (r.error) fail(`${cmd} could not be started (${r.error.code ?? r.error.message}); is npm installed?`);
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} failed with exit code ${r.status}`);
}

const haveDeps = ['yaml', 'openpgp', 'age-encryption', 'esbuild'].every((p) => existsSync(join(root, 'node_modules', p, 'package.json')));
if (haveDeps) {
  say('node_modules is already present: skipping npm install');
} else {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const hasLock = existsSync(join(root, 'package-lock.json'));
  // prepare (build, then fetch-helm, which skips without its devDependencies) runs as part of this.
  run(npm, hasLock ? ['ci', '--omit=dev', '--no-audit', '--no-fund'] : ['install', '--omit=dev', '--no-audit', '--no-fund']);
}
if (existsSync(join(root, 'node_modules', 'esbuild', 'package.json'))) {
  run(process.execPath, [join(root, 'scripts', 'build.mjs')]);
} else if (!existsSync(join(root, 'dist', 'cli.cjs'))) {
  fail('esbuild is missing and there is no build in dist/; run npm ci in the plugin directory');
}
if (!existsSync(join(root, 'dist', 'cli.cjs'))) fail('the build did not produce dist/cli.cjs');
say('done: run "helm secrets --help"; for secrets:// values also install the getter: helm plugin install "$(helm secrets dir)/plugins/helm-secrets-getter"');
