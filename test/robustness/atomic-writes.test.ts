// Part 3 of the robustness suite: SIGKILL at random moments of every command that rewrites a file in place;
// afterwards the file is always the complete old version or the complete new one (it decrypts, the MAC holds).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decryptBytes, encryptBytes } from '../../src/engine.js';
import { testEnv } from '../helpers/env.js';
import { assertNoLeakInTree } from '../helpers/leakscan.js';
import { runCliAsync, sleep } from '../helpers/proc.js';

/** Kills per command, spread over the command's measured run time. */
const KILLS_PER_COMMAND = 10;
const SEED = Number(process.env.ROBUSTNESS_SEED ?? Date.now() % 100000);

const AGE_A = 'age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju';
const AGE_B = 'age1lzd99uklcjnc0e7d860axevet2cz99ce9pq6tzuzd05l5nr28ams36nvun';
const PLAIN = 'db:\n    user: admin\n    password: old-password-value\nlist:\n    - one\n    - two\n';

type Verdict = 'old' | 'new';

interface Scenario {
  name: string;
  args: (file: string) => string[];
  /** The file's content before the command. */
  initial: () => Promise<Uint8Array>;
  /** Classifies the file after a kill; throws when it is neither the old nor a valid new version. */
  judge: (before: Uint8Array, after: Uint8Array, file: string) => Promise<Verdict>;
  env?: Record<string, string>;
}

const counts: Record<string, Record<string, number>> = {};

describe('robustness 3: SIGKILL during in-place writes leaves the old or the new file, never a broken one', function () {
  this.timeout(240000);
  let env: NodeJS.ProcessEnv;
  let dir: string;
  let leftovers = 0;
  let scanned = 0;

  const decrypts = async (bytes: Uint8Array, file: string) => Buffer.from(await decryptBytes(bytes, file, { env })).toString('utf8');
  const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
  const encrypted = () => encryptBytes(Buffer.from(PLAIN), join(dir, 'x.yaml'), { env, flags: { keys: { age: [AGE_A] } } });

  before(() => {
    env = testEnv();
    dir = mkdtempSync(join(tmpdir(), 'hs-atomic-'));
    // updatekeys reads the rule: both recipients; every other command gets its keys from the file or the flags.
    writeFileSync(join(dir, '.sops.yaml'), `creation_rules:\n  - age: ${AGE_A},${AGE_B}\n`);
    const editor = join(dir, 'editor.sh');
    writeFileSync(editor, '#!/bin/sh\nsed -i "s/old-password-value/new-password-value/" "$1"\n');
    chmodSync(editor, 0o755);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`      [robustness 3] seed ${SEED}: SIGKILL outcomes per command ${JSON.stringify(counts)}; ${leftovers} temp files left beside the file by a kill; ${scanned} files in the temp roots scanned for plaintext`);
  });

  const scenarios: Scenario[] = [
    {
      name: 'encrypt -i',
      args: (f) => ['encrypt', '-i', '--age', AGE_A, f],
      initial: async () => Buffer.from(PLAIN),
      judge: async (before, after, f) => {
        if (same(before, after)) return 'old';
        assert.equal(await decrypts(after, f), PLAIN);
        return 'new';
      },
    },
    {
      name: 'decrypt -i',
      args: (f) => ['decrypt', '-i', f],
      initial: encrypted,
      judge: async (before, after) => {
        if (same(before, after)) return 'old';
        assert.equal(Buffer.from(after).toString('utf8'), PLAIN);
        return 'new';
      },
    },
    {
      name: 'edit',
      args: (f) => ['edit', f],
      initial: encrypted,
      env: { EDITOR: '' },
      judge: async (before, after, f) => {
        if (same(before, after)) return 'old';
        assert.equal(await decrypts(after, f), PLAIN.replace('old-password-value', 'new-password-value'));
        return 'new';
      },
    },
    {
      name: 'updatekeys -y',
      args: (f) => ['updatekeys', '-y', f],
      initial: encrypted,
      judge: async (before, after, f) => {
        if (same(before, after)) return 'old';
        assert.equal(await decrypts(after, f), PLAIN);
        assert.match(Buffer.from(after).toString('utf8'), new RegExp(AGE_B));
        return 'new';
      },
    },
    {
      name: 'rotate',
      args: (f) => ['rotate', f],
      initial: encrypted,
      judge: async (before, after, f) => {
        if (same(before, after)) return 'old';
        assert.equal(await decrypts(after, f), PLAIN);
        return 'new';
      },
    },
  ];

  for (const sc of scenarios) {
    it(`${sc.name}`, async () => {
      const tally = (counts[sc.name] = { old: 0, new: 0, finished: 0 });
      const runEnv = { ...env, ...sc.env, ...(sc.name === 'edit' ? { EDITOR: join(dir, 'editor.sh') } : {}) };
      // One undisturbed run measures how long the command takes, so the kills land across its whole life.
      const sub = mkdtempSync(join(dir, 'run-'));
      const probe = join(sub, 'secrets.yaml');
      const first = await sc.initial();
      writeFileSync(probe, first);
      const t0 = Date.now();
      const r = await runCliAsync(sc.args(probe), { env: runEnv, cwd: dir });
      const span = Date.now() - t0;
      assert.equal(r.code, 0, `${sc.name}: ${r.stderr}`);
      assert.equal(await sc.judge(first, readFileSync(probe), probe), 'new');
      let rnd = (SEED + sc.name.length) >>> 0;
      for (let k = 0; k < KILLS_PER_COMMAND; k++) {
        rnd = (rnd * 1103515245 + 12345) >>> 0;
        // Most kills fall in the last part of the run, where the write happens.
        const at = Math.floor(span * (0.3 + 0.9 * ((rnd >>> 8) / 0x1000000)));
        const file = join(sub, `k${k}.yaml`);
        const before = await sc.initial();
        writeFileSync(file, before);
        const res = await runCliAsync(sc.args(file), {
          env: runEnv,
          cwd: dir,
          onSpawn: (c) => void sleep(at).then(() => c.kill('SIGKILL')),
        });
        if (res.signal !== 'SIGKILL') tally.finished++;
        const verdict = await sc.judge(before, readFileSync(file), file);
        tally[verdict]++;
      }
      const left = readdirSync(sub).filter((n) => n.endsWith('.tmp'));
      leftovers += left.length;
      // The killed writers are gone, so clean removes every temp file and lock file they left, and nothing else.
      const files = readdirSync(sub).filter((n) => !n.endsWith('.tmp') && !n.endsWith('.helm-secrets-lock')).sort();
      const c = await runCliAsync(['clean', sub], { env });
      assert.equal(c.code, 0, c.stderr);
      assert.deepEqual(readdirSync(sub).sort(), files, `clean left or removed the wrong files (temp files before: ${left.join(', ')})`);
    });
  }

  it('clean removes the temp file of a dead writer and keeps the one of a live writer', async () => {
    const sub = mkdtempSync(join(dir, 'temps-'));
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const deadTemp = `.secrets.yaml.${dead}.0123456789ab.tmp`;
    const liveTemp = `.secrets.yaml.${process.pid}.ba9876543210.tmp`;
    for (const n of [deadTemp, liveTemp, 'secrets.yaml', '.other.tmp']) writeFileSync(join(sub, n), 'db:\n  password: old-password-value\n');
    const r = await runCliAsync(['clean', sub], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(sub).sort(), ['.other.tmp', liveTemp, 'secrets.yaml'].sort());
    assert.match(r.stderr, /1 temporary file of interrupted writes/);
  });

  it('no plaintext left in the temp roots by the killed runs once the next run (here: clean) has removed stale dirs', async () => {
    // A SIGKILLed edit cannot wipe its private copy; its lock file lets the next edit, wrapper run or clean remove it.
    const empty = mkdtempSync(join(dir, 'clean-'));
    const r = await runCliAsync(['clean', empty], { env });
    assert.equal(r.code, 0, r.stderr);
    let n = 0;
    for (const root of new Set(['/dev/shm', process.env.XDG_RUNTIME_DIR, tmpdir()].filter((x): x is string => !!x))) {
      n += assertNoLeakInTree(root, ['old-password-value', 'new-password-value'], (p) => p.startsWith(dir) || !p.includes('helm-secrets') && !p.includes('sops'));
    }
    scanned = n;
  });
});
