// Data-key wrapping and recovery across key groups: one group, Shamir groups with thresholds,
// decryption order, and the single-line error that names every key tried.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { generateIdentity, identityToRecipient } from 'age-encryption';
import { parse } from 'yaml';
import { clearAgeIdentityCache } from '../../src/keys/age.js';
import { decryptionOrderFromEnv, recoverDataKey, sortForDecryption, wrapDataKey } from '../../src/keys/datakey.js';
import type { KeyEntry, KeySpec } from '../../src/keys/types.js';

/** Test key only: the published age identity of the humphd-sops-age vector in ../shared/vectors (not a secret). */
const HUMPHD_TEST_AGE_KEY = 'AGE-SECRET-KEY-1QXRVEJH9S4NQU0FPD6V79ESZQ8S6PXH3L8V40EVPTHFH6KNKD4DQ7SKC4P';
import { ExitCode, SopsError } from '../../src/errors.js';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { ROOT, SOPS_VECTORS } from '../helpers/paths.js';

const ASC = readFileSync(join(SOPS_VECTORS, 'pgp', 'sops_functional_tests_key.asc'), 'utf8');
const FP1 = 'FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4';
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

interface AgeKey {
  identity: string;
  recipient: string;
}

async function ageKeys(n: number): Promise<AgeKey[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const identity = await generateIdentity();
      return { identity, recipient: await identityToRecipient(identity) };
    }),
  );
}

const ageSpec = (k: AgeKey): KeySpec => ({ kind: 'age', fields: { recipient: k.recipient } });

function subsets<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let mask = 0; mask < 1 << items.length; mask++) out.push(items.filter((_, i) => (mask >> i) & 1));
  return out;
}

async function rejectsWith(p: Promise<unknown>, code: number, check: (msg: string) => void): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof SopsError, String(err));
    assert.equal(err.code, code);
    assert.ok(!err.message.includes('\n'), 'single line');
    check(err.message);
    return true;
  });
}

describe('data key wrap and recovery', () => {
  let dir: string;
  let base: NodeJS.ProcessEnv;
  beforeEach(() => {
    clearAgeIdentityCache();
    dir = mkdtempSync(join(tmpdir(), 'datakey-test-'));
    // No gpg on this path and no default age keys: only what a test puts in the environment.
    base = { HOME: dir, XDG_CONFIG_HOME: join(dir, 'cfg'), SOPS_GPG_EXEC: join(dir, 'no-gpg'), PATH: process.env.PATH };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('with one group, every key wraps the data key itself and any one key recovers it', async () => {
    const keys = await ageKeys(2);
    const dataKey = randomBytes(32);
    const wrapped = await wrapDataKey(dataKey, [keys.map(ageSpec)], undefined, { env: base });
    assert.equal(wrapped.shamirThreshold, 0);
    assert.equal(wrapped.keyGroups.length, 1);
    assert.deepEqual(wrapped.keyGroups[0]!.map((e) => e.fields.recipient), keys.map((k) => k.recipient));
    for (const k of keys) {
      clearAgeIdentityCache();
      const got = await recoverDataKey(wrapped.keyGroups, 0, { env: { ...base, SOPS_AGE_KEY: k.identity } });
      assert.equal(hex(got), hex(dataKey));
    }
  });

  it('recovers the real data key of a sops file from its flat age group', async () => {
    const doc = parse(readFileSync(join(SOPS_VECTORS, 'external', 'humphd-sops-age', 'tests', 'data', 'secret.enc.yaml'), 'utf8'));
    const group: KeyEntry[] = doc.sops.age.map((fields: Record<string, unknown>) => ({ kind: 'age', fields }));
    const keyTxt = readFileSync(join(SOPS_VECTORS, 'external', 'humphd-sops-age', 'key.txt'), 'utf8');
    writeFileSync(join(dir, 'k.txt'), keyTxt);
    const got = await recoverDataKey([group.reverse()], 0, { env: { ...base, SOPS_AGE_KEY_FILE: join(dir, 'k.txt') } });
    const expected = JSON.parse(
      readFileSync(join(SOPS_VECTORS, 'expected', 'external__humphd-sops-age__tests__data__secret.enc.yaml.expected.json'), 'utf8'),
    ).data_key_hex;
    assert.equal(hex(got), expected);
  });

  it('with 3 groups and threshold 2, recovers from any 2 groups and fails with fewer', async () => {
    const keys = await ageKeys(3);
    const dataKey = randomBytes(32);
    const wrapped = await wrapDataKey(dataKey, keys.map((k) => [ageSpec(k)]), 2, { env: base });
    assert.equal(wrapped.shamirThreshold, 2);
    // Each group's part is a 33-byte share: check through the group's own identity.
    let successes = 0;
    let failures = 0;
    for (const known of subsets(keys)) {
      clearAgeIdentityCache();
      const env = { ...base, SOPS_AGE_KEY: known.map((k) => k.identity).join('\n') };
      const p = recoverDataKey(wrapped.keyGroups, wrapped.shamirThreshold, { env });
      if (known.length >= 2) {
        assert.equal(hex(await p), hex(dataKey));
        successes++;
      } else {
        await rejectsWith(p, ExitCode.CouldNotRetrieveKey, (msg) => {
          assert.match(msg, /^failed to get the data key: 2 of 3 key groups needed, \d recovered: /);
          for (const k of keys) {
            // No identity at all is its own answer (where it looked); a wrong identity is "no matching identity".
            const answer = known.length === 0 ? 'no age identity found: ' : 'no matching identity';
            if (!known.includes(k)) assert.ok(msg.includes(`age ${k.recipient}: ${answer}`), msg);
          }
        });
        failures++;
      }
    }
    assert.equal(successes, 4);
    assert.equal(failures, 4);
  });

  it('defaults the threshold to the number of groups and rejects thresholds outside 2..n', async () => {
    const keys = await ageKeys(3);
    const groups = keys.map((k) => [ageSpec(k)]);
    const wrapped = await wrapDataKey(randomBytes(32), groups, undefined, { env: base });
    assert.equal(wrapped.shamirThreshold, 3);
    clearAgeIdentityCache();
    await rejectsWith(
      recoverDataKey(wrapped.keyGroups, 3, { env: { ...base, SOPS_AGE_KEY: `${keys[0]!.identity} ${keys[2]!.identity}` } }),
      ExitCode.CouldNotRetrieveKey,
      (msg) => assert.match(msg, /3 of 3 key groups needed, 2 recovered: group 1: ok; group 2: age age1\S+: no matching identity; group 3: ok$/),
    );
    for (const t of [1, 4]) {
      await assert.rejects(wrapDataKey(randomBytes(32), groups, t, { env: base }), /invalid shamir threshold/);
    }
    await assert.rejects(wrapDataKey(randomBytes(32), [], undefined, { env: base }), /no key groups/);
    await assert.rejects(wrapDataKey(randomBytes(32), [[ageSpec(keys[0]!)], []], undefined, { env: base }), /empty key group/);
  });

  it('mixes kinds across groups: an age group and a PGP group (openpgp.js path) with threshold 2', async () => {
    const [k] = await ageKeys(1);
    const dataKey = randomBytes(32);
    const env = { ...base, SOPS_PGP_KEY: ASC, SOPS_AGE_KEY: k!.identity };
    const wrapped = await wrapDataKey(dataKey, [[ageSpec(k!)], [{ kind: 'pgp', fields: { fp: FP1 } }]], undefined, { env });
    assert.equal(wrapped.keyGroups[1]![0]!.fields.fp, FP1);
    assert.equal(hex(await recoverDataKey(wrapped.keyGroups, 2, { env })), hex(dataKey));
  });

  it('names every key tried and why in one line when nothing opens the group', async () => {
    const keys = await ageKeys(2);
    const env = { ...base, SOPS_PGP_KEY: ASC };
    const wrapped = await wrapDataKey(randomBytes(32), [[ageSpec(keys[0]!), { kind: 'pgp', fields: { fp: FP1 } }, ageSpec(keys[1]!)]], undefined, { env });
    const broken = wrapped.keyGroups[0]!.map((e) => (e.kind === 'pgp' ? { ...e, fields: { ...e.fields, enc: 'not a message' } } : e));
    clearAgeIdentityCache();
    await rejectsWith(recoverDataKey([broken], 0, { env }), ExitCode.CouldNotRetrieveKey, (msg) => {
      // age first (default order age,pgp), in the group's own order, then pgp with its cause.
      assert.equal(
        msg.replace(/pgp FBC7\S+: .*/, 'pgp FBC7: CAUSE').replace(/no age identity found: did not find keys in [^;]*/g, 'NO AGE IDENTITY'),
        `failed to get the data key: age ${keys[0]!.recipient}: NO AGE IDENTITY; age ${keys[1]!.recipient}: NO AGE IDENTITY; pgp FBC7: CAUSE`,
      );
      assert.match(msg, /pgp FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4: openpgp: .*armored/i);
    });
  });

  it('reports an unsupported key kind instead of crashing', async () => {
    await rejectsWith(
      recoverDataKey([[{ kind: 'nope', fields: { enc: 'x' } }]], 0, { env: base }),
      ExitCode.CouldNotRetrieveKey,
      (msg) => assert.match(msg, /^failed to get the data key: nope: unsupported master key type "nope"$/),
    );
    await rejectsWith(recoverDataKey([], 0, { env: base }), ExitCode.CouldNotRetrieveKey, (msg) => assert.match(msg, /no master keys/));
  });

  it('tries keys in decryption order and stops at the first success', async () => {
    // A fake gpg leaves a mark when it is run; the age key opens the group.
    const mark = join(dir, 'gpg-ran');
    const gpg = join(dir, 'fake-gpg');
    writeFileSync(gpg, `#!/bin/sh\ncat >/dev/null\ntouch '${mark}'\necho "gpg: decryption failed: No secret key" >&2\nexit 2\n`);
    chmodSync(gpg, 0o755);
    const [k] = await ageKeys(1);
    const dataKey = randomBytes(32);
    const wrapped = await wrapDataKey(dataKey, [[ageSpec(k!)]], undefined, { env: base });
    const group: KeyEntry[] = [{ kind: 'pgp', fields: { fp: FP1, created_at: '2024-01-01T00:00:00Z', enc: 'x' } }, ...wrapped.keyGroups[0]!];
    const env = { ...base, SOPS_GPG_EXEC: gpg, SOPS_AGE_KEY: k!.identity };

    assert.equal(hex(await recoverDataKey([group], 0, { env })), hex(dataKey));
    assert.equal(existsSync(mark), false, 'default order age,pgp never ran gpg');

    assert.equal(hex(await recoverDataKey([group], 0, { env: { ...env, SOPS_DECRYPTION_ORDER: 'pgp,age' } })), hex(dataKey));
    assert.equal(existsSync(mark), true, 'pgp first ran gpg, then age succeeded');
    rmSync(mark);

    assert.equal(hex(await recoverDataKey([group], 0, { env, decryptionOrder: ['age'] })), hex(dataKey));
    assert.equal(existsSync(mark), false);
  });

  it('sorts a group stably: listed kinds first in the given order, the rest in sops internal order', () => {
    const e = (kind: string, n: number): KeyEntry => ({ kind, fields: { n } });
    const group = [e('age', 1), e('pgp', 2), e('kms', 3), e('age', 4), e('hc_vault', 5), e('gcp_kms', 6)];
    const names = (g: KeyEntry[]) => g.map((x) => `${x.kind}${x.fields.n}`).join(',');
    assert.equal(names(sortForDecryption(group, ['age', 'pgp'])), 'age1,age4,pgp2,kms3,gcp_kms6,hc_vault5');
    assert.equal(names(sortForDecryption(group, ['pgp'])), 'pgp2,kms3,gcp_kms6,hc_vault5,age1,age4');
    assert.equal(names(sortForDecryption(group, [])), 'kms3,gcp_kms6,hc_vault5,pgp2,age1,age4');
  });

  it('never loads openpgp for an age-only file, and does load it for the PGP fallback', function () {
    // A child process whose module resolver refuses openpgp: the age run must not notice.
    writeFileSync(
      join(dir, 'hook.mjs'),
      "export async function resolve(s, c, next) { if (s === 'openpgp') throw new Error('openpgp was loaded'); return next(s, c); }\n",
    );
    writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hook.mjs')).href)});\n`);
    // openpgp is loaded with require(), which the ESM hooks of Node 20 do not see: the same refusal for CommonJS.
    writeFileSync(
      join(dir, 'cjs-hook.cjs'),
      "const Module = require('node:module');\nconst resolve = Module._resolveFilename;\n" +
        "Module._resolveFilename = function (request, ...rest) { if (request === 'openpgp') throw new Error('openpgp was loaded'); return resolve.call(this, request, ...rest); };\n",
    );
    const datakey = pathToFileURL(join(ROOT, 'src', 'keys', 'datakey.ts')).href;
    const yamlFile = join(SOPS_VECTORS, 'external', 'humphd-sops-age', 'tests', 'data', 'secret.enc.yaml');
    const pgpFile = join(SOPS_VECTORS, 'example.yaml');
    const script = (file: string, field: string) => `
      import { readFileSync } from 'node:fs';
      import { parse } from ${JSON.stringify(pathToFileURL(join(ROOT, 'node_modules', 'yaml', 'dist', 'index.js')).href)};
      import { recoverDataKey } from ${JSON.stringify(datakey)};
      const sops = parse(readFileSync(${JSON.stringify(file)}, 'utf8')).sops;
      const group = sops.${field}.map((fields) => ({ kind: '${field}', fields }));
      try {
        const key = await recoverDataKey([group], 0, { env: process.env });
        console.log('KEY ' + Buffer.from(key).toString('hex'));
      } catch (e) { console.log('ERR ' + e.message); }
    `;
    writeFileSync(join(dir, 'age-only.mts'), script(yamlFile, 'age'));
    writeFileSync(join(dir, 'pgp.mts'), script(pgpFile, 'pgp'));
    const run = (name: string, env: NodeJS.ProcessEnv) =>
      spawnSync(process.execPath, ['--require', join(dir, 'cjs-hook.cjs'), '--import', 'tsx', '--import', join(dir, 'register.mjs'), join(dir, name)], {
        cwd: ROOT,
        env: { ...base, ...env },
        encoding: 'utf8',
      });
    const age = run('age-only.mts', { SOPS_AGE_KEY: HUMPHD_TEST_AGE_KEY });
    assert.match(age.stdout, /^KEY 81d247290bee0b25484e76101e727f63fc984896953fe4888864f49db529e73a$/m, age.stderr);
    const pgp = run('pgp.mts', { SOPS_PGP_KEY: ASC });
    assert.match(pgp.stdout, /^ERR .*openpgp was loaded/m, pgp.stderr);
  });

  it('reads SOPS_DECRYPTION_ORDER with age,pgp as the default', () => {
    assert.deepEqual(decryptionOrderFromEnv({}), ['age', 'pgp']);
    assert.deepEqual(decryptionOrderFromEnv({ SOPS_DECRYPTION_ORDER: ' pgp , kms,age' }), ['pgp', 'kms', 'age']);
  });
});
