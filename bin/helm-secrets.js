#!/usr/bin/env node
// Entry point: checks the Node.js version in syntax every Node can parse, then runs the bundled CLI, dist/cli.cjs.
// It is compiled with the V8 code cache the build left beside it (dist/cli.cjs.cache), so start-up skips parsing
// and compiling what a typical command runs. V8 checks that the cache fits this node and these flags; when it does
// not (another node version, say), the bundle is compiled as usual. The cache is written only by the build, from
// commands run on throwaway data, never from a user's run.
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

var BUNDLE = path.join(__dirname, '..', 'dist', 'cli.cjs');
var CACHE = BUNDLE + '.cache';

/** Compiles and runs the bundle; `cache` false compiles without the cache (the build's training run). */
function loadBundle(cache) {
  var source = fs.readFileSync(BUNDLE, 'utf8');
  var cachedData;
  if (cache !== false) {
    try {
      cachedData = fs.readFileSync(CACHE);
    } catch (e) {
      cachedData = undefined;
    }
  }
  // No import() in here (Node 20 gives a vm.Script no loader for it): the build refuses a bundle that has one.
  var script = new vm.Script(Module.wrap(source), { filename: BUNDLE, cachedData: cachedData });
  var mod = { exports: {} };
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(BUNDLE), mod, BUNDLE, path.dirname(BUNDLE));
  return { main: mod.exports.main, script: script };
}

if (require.main === module) {
  var cli;
  try {
    cli = loadBundle();
  } catch (err) {
    process.stderr.write('[helm-secrets] cannot load ' + BUNDLE + ': ' + (err && err.code ? err.code : String(err)) + " (run 'npm ci' in " + path.join(__dirname, '..') + ')\n');
    process.exit(1);
  }
  cli.main(process.argv.slice(2)).then(
    function (code) { process.exitCode = code; },
    function (err) { process.stderr.write('[helm-secrets] ' + (err && err.message ? err.message : String(err)) + '\n'); process.exitCode = 1; }
  );
} else {
  module.exports = { loadBundle: loadBundle, BUNDLE: BUNDLE, CACHE: CACHE };
}
