// The shared retry policy of the cloud kinds: settings from the context and the environment, which
// failures are retried, the per-call timeout, and that an age-only run loads no cloud SDK at all.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DEFAULT_ATTEMPTS,
  DEFAULT_TIMEOUT_MS,
  TransientError,
  parseDuration,
  retrySettings,
  withRetries,
} from '../../src/keys/retry.js';
import { ROOT } from '../helpers/paths.js';
import { nowRfc3339 } from '../../src/clock.js';

describe('key service retries', () => {
  it('parses Go-style durations and bare seconds', () => {
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('1500ms'), 1500);
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('2'), 2000);
    assert.equal(parseDuration('0.5'), 500);
    assert.equal(parseDuration('soon'), undefined);
    assert.equal(parseDuration(''), undefined);
  });

  it('takes settings from the context, then the environment, then the defaults', () => {
    assert.deepEqual(retrySettings({ env: {} }), { timeoutMs: DEFAULT_TIMEOUT_MS, attempts: DEFAULT_ATTEMPTS });
    const env = { HELM_SECRETS_KEY_SERVICE_TIMEOUT: '5s', HELM_SECRETS_KEY_SERVICE_ATTEMPTS: '7' };
    assert.deepEqual(retrySettings({ env }), { timeoutMs: 5000, attempts: 7 });
    assert.deepEqual(retrySettings({ env, timeoutMs: 100, attempts: 1 }), { timeoutMs: 100, attempts: 1 });
    assert.deepEqual(retrySettings({ env: { HELM_SECRETS_KEY_SERVICE_ATTEMPTS: '0' } }).attempts, DEFAULT_ATTEMPTS);
  });

  it('retries transient failures up to the attempt count and reports the last cause', async () => {
    let calls = 0;
    await assert.rejects(
      withRetries({ env: {}, attempts: 3 }, async () => {
        calls++;
        throw new TransientError(`busy ${calls}`);
      }, () => false),
      { message: 'busy 3 (after 3 attempts)' },
    );
    assert.equal(calls, 3);
    calls = 0;
    const out = await withRetries({ env: {}, attempts: 3 }, async () => {
      if (++calls < 3) throw Object.assign(new Error('slow down'), { status: 429 });
      return 'ok';
    }, (e) => (e as { status?: number }).status === 429);
    assert.deepEqual([out, calls], ['ok', 3]);
  });

  it('does not retry a permanent failure', async () => {
    let calls = 0;
    await assert.rejects(
      withRetries({ env: {}, attempts: 5 }, async () => {
        calls++;
        throw new Error('access denied');
      }, () => false),
      { message: 'access denied' },
    );
    assert.equal(calls, 1);
  });

  it('cuts a call that never answers at the timeout and aborts its signal', async () => {
    const signals: AbortSignal[] = [];
    await assert.rejects(
      withRetries({ env: {}, attempts: 2, timeoutMs: 50 }, (signal) => {
        signals.push(signal);
        return new Promise(() => undefined);
      }, () => false),
      { message: 'timed out after 50ms (after 2 attempts)' },
    );
    assert.deepEqual(signals.map((s) => s.aborted), [true, true]);
  });

  it('writes created_at at second precision in UTC', () => {
    assert.match(nowRfc3339(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});

describe('cloud SDKs load lazily', () => {
  it('an age-only wrap and recover resolves no cloud SDK or openpgp; a kms key does', async function () {
    const dir = mkdtempSync(join(tmpdir(), 'hs-lazy-'));
    try {
      // The hook refuses every cloud SDK and openpgp at resolution, whatever imports them.
      writeFileSync(
        join(dir, 'hook.mjs'),
        "const banned = /(^|[\\\\/])(@aws-sdk|@smithy|@google-cloud|google-gax|@grpc|@azure|@azure-rest|openpgp)([\\\\/]|$)/;\n" +
          "export async function resolve(s, c, next) { if (banned.test(s)) throw new Error('loaded ' + s); return next(s, c); }\n",
      );
      writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hook.mjs')).href)});\n`);
      // The SDKs are loaded with require(), which the ESM hooks of Node 20 do not see: the same ban for CommonJS.
      writeFileSync(
        join(dir, 'cjs-hook.cjs'),
        "const Module = require('node:module');\nconst banned = /(^|[\\\\/])(@aws-sdk|@smithy|@google-cloud|google-gax|@grpc|@azure|@azure-rest|openpgp)([\\\\/]|$)/;\n" +
          "const resolve = Module._resolveFilename;\nModule._resolveFilename = function (request, ...rest) { if (banned.test(request)) throw new Error('loaded ' + request); return resolve.call(this, request, ...rest); };\n",
      );
      const datakey = pathToFileURL(join(ROOT, 'src', 'keys', 'datakey.ts')).href;
      const ageLib = pathToFileURL(join(ROOT, 'node_modules', 'age-encryption', 'dist', 'index.js')).href;
      writeFileSync(
        join(dir, 'run.mts'),
        `import { generateIdentity, identityToRecipient } from ${JSON.stringify(ageLib)};
         import { randomBytes } from 'node:crypto';
         import { wrapDataKey, recoverDataKey } from ${JSON.stringify(datakey)};
         const identity = await generateIdentity();
         const recipient = await identityToRecipient(identity);
         const key = randomBytes(32);
         const env = { SOPS_AGE_KEY: identity, HOME: ${JSON.stringify(dir)} };
         const spec = { kind: process.argv[2], fields: process.argv[2] === 'age' ? { recipient } : { arn: 'arn:aws:kms:us-east-1:123456789012:key/x', aws_profile: '' } };
         try {
           const w = await wrapDataKey(key, [[spec]], undefined, { env, attempts: 1, timeoutMs: 1000 });
           const back = await recoverDataKey(w.keyGroups, w.shamirThreshold, { env });
           console.log(Buffer.compare(back, key) === 0 ? 'ROUNDTRIP' : 'MISMATCH');
         } catch (e) { console.log('ERR ' + e.message); }
        `,
      );
      const run = (kind: string) =>
        spawnSync(process.execPath, ['--require', join(dir, 'cjs-hook.cjs'), '--import', 'tsx', '--import', join(dir, 'register.mjs'), join(dir, 'run.mts'), kind], {
          cwd: ROOT,
          env: { PATH: process.env.PATH, HOME: dir },
          encoding: 'utf8',
        });
      const age = run('age');
      assert.match(age.stdout, /^ROUNDTRIP$/m, age.stdout + age.stderr);
      const kms = run('kms');
      assert.match(kms.stdout, /^ERR .*kms arn:aws:kms:us-east-1:123456789012:key\/x: .*loaded @aws-sdk\/client-kms/m, kms.stdout + kms.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('recovering an age (X25519) data key does not load the age library at all: node:crypto reads the file', async function () {
    const dir = mkdtempSync(join(tmpdir(), 'hs-lazy-age-'));
    try {
      const { generateIdentity, identityToRecipient } = await import('age-encryption');
      const { wrapDataKey } = await import('../../src/keys/datakey.js');
      const identity = await generateIdentity();
      const key = randomBytes(32);
      const w = await wrapDataKey(key, [[{ kind: 'age', fields: { recipient: await identityToRecipient(identity) } }]], undefined, { env: { HOME: dir } });
      // The ban covers the library and its primitives (@noble/*), wherever they are imported from.
      writeFileSync(
        join(dir, 'hook.mjs'),
        "const banned = /(^|[\\\\/])(age-encryption|@noble)([\\\\/]|$)/;\n" +
          "export async function resolve(s, c, next) { if (banned.test(s)) throw new Error('loaded ' + s); return next(s, c); }\n",
      );
      writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hook.mjs')).href)});\n`);
      writeFileSync(
        join(dir, 'run.mts'),
        `import { recoverDataKey } from ${JSON.stringify(pathToFileURL(join(ROOT, 'src', 'keys', 'datakey.ts')).href)};
         const w = JSON.parse(process.argv[2]);
         try {
           const back = await recoverDataKey(w.keyGroups, w.shamirThreshold, { env: { SOPS_AGE_KEY: process.env.KEY, HOME: process.env.HOME } });
           console.log('KEY ' + Buffer.from(back).toString('hex'));
         } catch (e) { console.log('ERR ' + e.message); }
        `,
      );
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', join(dir, 'register.mjs'), join(dir, 'run.mts'), JSON.stringify(w)], {
        cwd: ROOT,
        env: { PATH: process.env.PATH, HOME: dir, KEY: identity },
        encoding: 'utf8',
      });
      assert.match(r.stdout, new RegExp(`^KEY ${key.toString('hex')}$`, 'm'), r.stdout + r.stderr);
      // The same ban does catch the library when it is needed: encrypting goes through it.
      const enc = spawnSync(process.execPath, ['--import', 'tsx', '--import', join(dir, 'register.mjs'), '-e', `import(${JSON.stringify(pathToFileURL(join(ROOT, 'src', 'keys', 'age.ts')).href)}).then((m) => m.ageKind.wrap({ kind: 'age', fields: { recipient: 'age1qqqq' } }, new Uint8Array(32), { env: {} })).catch((e) => console.log('ERR ' + e.message))`], {
        cwd: ROOT,
        env: { PATH: process.env.PATH, HOME: dir },
        encoding: 'utf8',
      });
      assert.match(enc.stdout, /^ERR loaded age-encryption/m, enc.stdout + enc.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
