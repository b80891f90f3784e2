// The cloud reference providers load their SDKs only when a reference uses them: an echo-only resolution resolves
// no cloud SDK at all, and each cloud provider reaches exactly its own SDK (which the same ban then refuses).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../helpers/paths.js';

const BANNED = String.raw`/(^|[\\/])(@aws-sdk|@smithy|@google-cloud|google-gax|@grpc|@azure|@azure-rest)([\\/]|$)/`;

describe('cloud reference providers load lazily', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hs-refs-lazy-'));
    writeFileSync(
      join(dir, 'hook.mjs'),
      `const banned = ${BANNED};\nexport async function resolve(s, c, next) { if (banned.test(s)) throw new Error('loaded ' + s); return next(s, c); }\n`,
    );
    writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hook.mjs')).href)});\n`);
    // The SDKs are loaded with require(), which the ESM hooks of Node 20 do not see: the same ban for CommonJS.
    writeFileSync(
      join(dir, 'cjs-hook.cjs'),
      `const Module = require('node:module');\nconst banned = ${BANNED};\n` +
        "const resolve = Module._resolveFilename;\nModule._resolveFilename = function (request, ...rest) { if (banned.test(request)) throw new Error('loaded ' + request); return resolve.call(this, request, ...rest); };\n",
    );
    writeFileSync(
      join(dir, 'run.mts'),
      `import { evalTree } from ${JSON.stringify(pathToFileURL(join(ROOT, 'src', 'refs', 'resolve.ts')).href)};
       try {
         const out = await evalTree({ a: process.argv[2] }, { env: { HELM_SECRETS_AZURE_ACCESS_TOKEN: 't', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' }, baseDir: '/', attempts: 1, timeoutMs: 1000 });
         console.log('OK ' + JSON.stringify(out));
       } catch (e) { console.log('ERR ' + e.message); }
      `,
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const run = (ref: string) =>
    spawnSync(process.execPath, ['--require', join(dir, 'cjs-hook.cjs'), '--import', 'tsx', '--import', join(dir, 'register.mjs'), join(dir, 'run.mts'), ref], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: dir },
      encoding: 'utf8',
    });

  it('an echo-only resolution loads no cloud SDK', () => {
    const r = run('ref+echo://plain-value');
    assert.match(r.stdout, /^OK \{"a":"plain-value"\}$/m, r.stdout + r.stderr);
  });

  for (const [ref, sdk] of [
    ['ref+awssecrets://prod/db#/password', '@aws-sdk/client-secrets-manager'],
    ['ref+awsssm://app/db/password', '@aws-sdk/client-ssm'],
    ['ref+s3://bucket/key', '@aws-sdk/client-s3'],
    ['ref+gcpsecrets://proj/db', '@google-cloud/secret-manager'],
    ['ref+azurekeyvault://my-vault/db', '@azure/keyvault-secrets'],
  ] as const) {
    it(`${ref.split(':')[0]} loads ${sdk}, and only when it is used`, () => {
      const r = run(ref);
      assert.match(r.stdout, new RegExp(`^ERR ${ref.replace(/[?+.]/g, '\\$&')}: loaded ${sdk}$`, 'm'), r.stdout + r.stderr);
    });
  }
});
