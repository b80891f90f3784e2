// Which modules a resolution loads: an echo-only run loads the resolver and the echo provider and no other provider
// module (nor the engine, the Vault client or an SDK); each provider loads its own module and none of the others.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../helpers/paths.js';

/** The resolver's own modules; everything else under src/refs/ is a provider (or a provider's helper). */
const CORE = new Set(['resolve.ts', 'parse.ts', 'registry.ts', 'types.ts', 'values.ts', 'yamldoc.ts']);

describe('refs: provider modules load lazily', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hs-refs-modules-'));
    // Records every module resolved (after tsx maps .js to .ts), whoever imports it.
    writeFileSync(
      join(dir, 'hook.mjs'),
      `import { appendFileSync } from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(process.env.MODULE_LOG, r.url + '\\n'); return r; }\n`,
    );
    writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hook.mjs')).href)});\n`);
    writeFileSync(
      join(dir, 'run.mts'),
      `import { getRef } from ${JSON.stringify(pathToFileURL(join(ROOT, 'src', 'refs', 'resolve.ts')).href)};
       try { console.log('OK ' + await getRef(process.argv[2], { env: { HOME: process.env.HOME }, baseDir: process.env.HOME, attempts: 1, timeoutMs: 500 })); }
       catch (e) { console.log('ERR ' + e.message); }
      `,
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const loaded = (ref: string) => {
    const log = join(dir, `modules-${Math.random().toString(36).slice(2)}.log`);
    writeFileSync(log, '');
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', join(dir, 'register.mjs'), join(dir, 'run.mts'), ref], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: dir, MODULE_LOG: log },
      encoding: 'utf8',
    });
    const urls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    const refs = new Set(urls.filter((u) => u.includes('/src/refs/')).map((u) => u.replace(/^.*\/src\/refs\//, '')));
    return { out: r.stdout + r.stderr, urls, providers: [...refs].filter((m) => !CORE.has(m)).sort() };
  };

  it('an echo-only run loads the echo provider and nothing else a provider needs', () => {
    const r = loaded('ref+echo://plain/value');
    assert.match(r.out, /^OK plain\/value$/m, r.out);
    assert.deepEqual(r.providers, ['echo.ts']);
    const heavy = r.urls.filter((u) => /\/src\/(engine|keys\/hcvault|keys\/datakey)\.ts$|node_modules\/(@aws-sdk|@smithy|@google-cloud|google-gax|@grpc|@azure|openpgp)\//.test(u));
    assert.deepEqual(heavy, []);
  });

  for (const [ref, mod] of [
    ['ref+file://nope.txt', 'file.ts'],
    ['ref+envsubst://$HOME/x', 'envsubst.ts'],
    ['ref+vault://secret/db?address=http://127.0.0.1:9#/pw', 'vault.ts'],
    ['ref+k8s://v1/Secret/ns/name/key', 'k8s.ts'],
  ] as const) {
    it(`${ref.split(':')[0]} loads ${mod} and no other provider`, () => {
      const r = loaded(ref);
      assert.match(r.out, /^(OK|ERR) /m, r.out);
      assert.deepEqual(r.providers, [mod]);
    });
  }

  it('sops loads its provider and the engine', () => {
    const r = loaded('ref+sops://nope.yaml');
    assert.match(r.out, /^ERR ref\+sops:\/\/nope\.yaml: no such file nope\.yaml$/m, r.out);
    assert.deepEqual(r.providers, ['sops.ts']);
    assert.ok(r.urls.some((u) => u.endsWith('/src/engine.ts')));
  });
});
