// The bench runs end to end at a tiny size and reports every case with numbers; its generator is
// deterministic. No timing is asserted: only that the figures exist and the table shows them.
import { deepStrictEqual, equal, notEqual, ok } from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { generateValues, type Tree } from '../../bench/generate.js';
import type { Row } from '../../bench/context.js';
import { ROOT } from '../helpers/paths.js';
import { hasTool } from '../helpers/tools.js';

function countLeaves(t: Tree): number {
  let n = 0;
  for (const v of Object.values(t)) {
    if (Array.isArray(v)) n += v.length;
    else if (typeof v === 'object') n += countLeaves(v);
    else n += 1;
  }
  return n;
}

describe('bench generator', () => {
  it('gives the same bytes for the same seed and size, others for another seed', () => {
    const a = generateValues(500, 3, { comments: true });
    const b = generateValues(500, 3, { comments: true });
    const c = generateValues(500, 4, { comments: true });
    equal(a.yaml, b.yaml);
    equal(a.json, b.json);
    notEqual(a.yaml, c.yaml);
  });

  it('writes exactly the asked number of leaves, and YAML and JSON that parse to its tree', () => {
    for (const n of [1, 7, 1000, 2345]) {
      const g = generateValues(n, 1, { comments: true });
      equal(countLeaves(g.tree), n);
      deepStrictEqual(load(g.yaml), g.tree);
      deepStrictEqual(JSON.parse(g.json), g.tree);
      equal(g.yaml.split('\n').filter((l) => l.startsWith('#')).length, g.comments);
    }
  });
});

describe('npm run bench --tiny', function () {
  this.timeout(240_000);
  let dir: string;
  let stdout: string;
  let result: { rows: Row[]; machine: { cpu: string; node: string }; size: string };

  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'hs-bench-test-'));
    const out = join(dir, 'result.json');
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'run.ts'), '--tiny', '--out', out], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 230_000,
    });
    equal(r.status, 0, `bench failed:\n${r.stderr}\n${r.stdout}`);
    stdout = r.stdout;
    result = JSON.parse(readFileSync(out, 'utf8'));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reports every case, with no errors', () => {
    equal(result.size, 'tiny');
    for (const c of [1, 2, 3, 4, 5, 6, 7]) ok(result.rows.some((r) => r.case === c), `case ${c} missing`);
    const errors = result.rows.filter((r) => r.status === 'error');
    deepStrictEqual(errors, []);
  });

  it('gives every measured row a finite figure, and a ratio and verdict where it has a reference and target', () => {
    for (const r of result.rows.filter((x) => x.status === 'ok')) {
      ok(r.ours && Number.isFinite(r.ours.value) && r.ours.value >= 0, `${r.name}: no figure`);
      if (r.ref) {
        ok(Number.isFinite(r.ref.value) && r.ref.value > 0, `${r.name}: no reference figure`);
        ok(Number.isFinite(r.ratio), `${r.name}: no ratio`);
      }
      if (r.target) equal(typeof r.met, 'boolean', `${r.name}: target without verdict`);
    }
    for (const c of [1, 2, 3, 4, 6]) ok(result.rows.some((r) => r.case === c && r.status === 'ok'), `case ${c} has no measured row`);
  });

  it('measures sops-decoder against a local KMS when moto_server is installed, and says when sops is absent', function () {
    const decoder = result.rows.filter((r) => r.case === 5 && r.name.startsWith('sops-decoder'));
    equal(decoder.length, 2);
    if (hasTool('moto_server')) for (const r of decoder) equal(r.status, 'ok', r.note);
    else for (const r of decoder) equal(r.status, 'unavailable');
    const sops = result.rows.find((r) => r.case === 5 && r.name.startsWith('sops binary'));
    ok(sops);
    equal(sops.status, hasTool('sops') ? 'ok' : 'unavailable');
  });

  it('prints one table with every row, its figures and verdicts, and the machine', () => {
    ok(/^#\s+measurement\s+ours\s+reference\s+ratio\s+target\s+met/m.test(stdout));
    for (const r of result.rows) {
      const line = stdout.split('\n').find((l) => l.includes(r.name));
      ok(line, `row missing from the table: ${r.name}`);
      if (r.status === 'ok') ok(/\d/.test(line), `no figure printed for ${r.name}`);
      if (r.met !== null && r.status === 'ok') ok(line.endsWith(r.met ? '  met' : '  MISSED'), `no verdict printed for ${r.name}`);
    }
    ok(stdout.includes(`node ${result.machine.node}`));
  });
});
