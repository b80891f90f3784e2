#!/usr/bin/env node
// Entry point: checks the Node.js version in syntax every Node can parse, then runs the bundled CLI, dist/cli.cjs.
// It is compiled with the V8 code cache the build left beside it (dist/cli.cjs.cache), so start-up skips parsing
// and compiling what a typical command runs; the AWS SDK, bundled apart as dist/aws.cjs, is loaded the same way
// when a file has a KMS key. V8 checks that a cache fits this node and these flags; when it does not (another node
// version, say), the bundle is compiled as usual. Caches are written only by the build, from commands run on
// throwaway data, never from a user's run.
'use strict';
var need = [20, 19];
var have = process.versions.node.split('.').map(Number);
if (have[0] < need[0] || (have[0] === need[0] && have[1] < need[1])) {
  process.stderr.write('[helm-secrets] Node.js >= ' + need.join('.') + ' is required, found ' + process.versions.node + '\n');
  process.exit(1);
}

var fs = require('node:fs');
var path = require('node:path');
var vm = require('node:vm');
var Module = require('node:module');

var DIST = path.join(__dirname, '..', 'dist');
var BUNDLE = path.join(DIST, 'cli.cjs');

/**
 * Compiles and runs dist/NAME.cjs ('cli' or 'aws') once per process; `cache` false compiles without its cache (the
 * build's training run). Returns the bundle's exports and its script (whose cache the training saves).
 */
var loaded = {};
function loadBundle(name, cache) {
  if (loaded[name] && cache !== false) return loaded[name];
  var file = path.join(DIST, name + '.cjs');
  var source = fs.readFileSync(file, 'utf8');
  var cachedData;
  if (cache !== false) {
    try {
      cachedData = fs.readFileSync(file + '.cache');
    } catch (e) {
      cachedData = undefined;
    }
  }
  // No import() in here (Node 20 gives a vm.Script no loader for it): the build refuses a bundle that has one.
  var script = new vm.Script(Module.wrap(source), { filename: file, cachedData: cachedData });
  var mod = { exports: {} };
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  var out = { exports: mod.exports, main: mod.exports.main, script: script };
  if (cache !== false) loaded[name] = out;
  return out;
}

if (require.main === module) {
  var cli;
  try {
    cli = loadBundle('cli');
  } catch (err) {
    process.stderr.write('[helm-secrets] cannot load ' + BUNDLE + ': ' + (err && err.code ? err.code : String(err)) + " (run 'npm ci' in " + path.join(__dirname, '..') + ')\n');
    process.exit(1);
  }
  // The contract with the bundle (src/cli/entry.ts EntryHooks): this process runs one command, and the CLI gets the
  // precompiled AWS SDK from here (src/keys/sdk.ts); without it, it requires the package.
  cli.exports.startRun({
    precompiled: function (name) {
      if (!loaded[name] && !fs.existsSync(path.join(DIST, name + '.cjs'))) return undefined;
      return loadBundle(name).exports;
    },
  });
  cli.main(process.argv.slice(2)).then(
    function (code) { process.exitCode = code; },
    function (err) { process.stderr.write('[helm-secrets] ' + (err && err.message ? err.message : String(err)) + '\n'); process.exitCode = 1; }
  );
} else {
  module.exports = { loadBundle: loadBundle };
}
