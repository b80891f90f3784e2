// Issue 14, item 6: an input that never ends (/dev/zero) or never comes (a FIFO without a writer) must not hang a
// command. Every file command and the helm wrapper (real helm 3.18 and 4.1.4) refuse non-regular inputs at once with
// a message that says what the file is. Each run is killed, and the test failed, when it outlives the bound.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testEnv } from '../helpers/env.js';
import { HELM, ROOT } from '../helpers/paths.js';
import { runCliBounded } from '../helpers/proc.js';

const AGE = 'age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju';
const CHART = join(ROOT, 'test/fixtures/chart');
const BOUND_MS = 10000;

describe('issue 14 item 6: non-regular inputs are refused, never read', function () {
  this.timeout(120000);
  let dir: string;
  let inputs: [string, string, RegExp][];
  const times: number[] = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hs-inputs-'));
    const fifo = join(dir, 'in.fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const sub = join(dir, 'adir.yaml');
    mkdirSync(sub);
    inputs = [
      ['/dev/zero', '/dev/zero', /is a character device/],
      ['a FIFO', fifo, /is a FIFO/],
      ['a directory', sub, /is a directory/],
    ];
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`      [issue14 item 6] ${times.length} refused runs, slowest ${Math.max(...times)} ms, total ${times.reduce((a, b) => a + b, 0)} ms (bound ${BOUND_MS} ms each)`);
  });

  const commands: [string, (f: string) => string[]][] = [
    ['decrypt', (f) => ['decrypt', f]],
    ['decrypt -i', (f) => ['decrypt', '-i', f]],
    ['view', (f) => ['view', f]],
    ['dec', (f) => ['dec', f]],
    ['encrypt', (f) => ['encrypt', '--age', AGE, f]],
    ['set', (f) => ['set', f, '["a"]', '"b"']],
    ['rotate', (f) => ['rotate', f]],
    ['edit', (f) => ['edit', f]],
    // Other files a command reads: the value file of set, the --config file.
    ['set --value-file', (f) => ['set', 'never-read.yaml', '["a"]', f, '--value-file']],
    ['encrypt --config', (f) => ['encrypt', '--config', f, join(ROOT, 'package.json')]],
  ];

  for (const [name, args] of commands) {
    it(`${name}: refused at once with what the file is`, async () => {
      for (const [what, file, kind] of inputs) {
        const t = Date.now();
        const r = await runCliBounded(args(file), testEnv({ EDITOR: 'true' }), BOUND_MS);
        times.push(Date.now() - t);
        assert.notEqual(r.code, 0, `${name} ${what}: exit 0`);
        assert.match(r.stderr, kind, `${name} ${what}`);
        assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
        assert.equal(r.stdout.length, 0);
      }
    });
  }

  for (const version of ['v3', 'v4'] as const) {
    it(`helm ${version} wrapper: -f and --set-file name what the file is (not "File does not exist")`, async function () {
      if (!existsSync(HELM[version])) this.skip();
      for (const [what, file, kind] of inputs) {
        for (const ref of [['-f', file], ['--set-file', `global_secret=${file}`]]) {
          const t = Date.now();
          const r = await runCliBounded(['template', 'x', CHART, ...ref], testEnv({ HELM_SECRETS_HELM_PATH: HELM[version] }), BOUND_MS);
          times.push(Date.now() - t);
          assert.notEqual(r.code, 0, `${what}: exit 0`);
          assert.match(r.stderr, kind, `${ref[0]} ${what}`);
          assert.doesNotMatch(r.stderr, /does not exist/);
        }
      }
    });
  }
});
