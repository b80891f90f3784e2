// Part 1 of the robustness suite: every tampered file is refused with a clear one-line error and no plaintext,
// in-process through decryptBytes (many cases) and through the built CLI (a sample of each vector's cases).
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import fc from 'fast-check';
import { decryptBytes, encryptBytes } from '../../src/engine.js';
import { SopsError } from '../../src/errors.js';
import { storeNameFor } from '../../src/sops/store.js';
import { getStore } from '../../src/sops/stores/index.js';
import { ENCRYPTED_VECTORS } from '../helpers/vectors.js';
import { testEnv } from '../helpers/env.js';
import { pool, runCliAsync } from '../helpers/proc.js';
import { assertNoLeak, secretsOf } from '../helpers/leakscan.js';
import { encFields, fieldFlips, lastModifiedCase, masterKeysCase, ruleCase, structureCases, type TamperCase } from '../helpers/tamper.js';
import { requireTool } from '../helpers/tools.js';

/** ENC fields per vector given one random flip each of data, iv, tag (all of them when the vector is small). */
const FIELDS_PER_VECTOR = 5;
/** CLI runs per vector, drawn from its cases. */
const CLI_PER_VECTOR = 2;
/** Generated files whose every ENC byte is flipped. */
const GENERATED_FILES = 4;

const AGE_RECIPIENT = 'age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju';

/** Seeded so a failure can be replayed; printed in the summary. */
const SEED = Number(process.env.ROBUSTNESS_SEED ?? Date.now() % 100000);
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

const counts = { relabelled: 0, inProcess: 0, cli: 0, commentTolerated: 0, byCode: {} as Record<string, number> };

interface Target {
  file: string;
  inputType?: string;
  bytes: Uint8Array;
  secrets: string[];
  original: string;
}

async function expectRefused(t: Target, c: TamperCase, env: NodeJS.ProcessEnv): Promise<void> {
  let out: Uint8Array | undefined;
  let err: unknown;
  try {
    out = await decryptBytes(c.bytes, t.file, { env, inputType: t.inputType, keyTimeoutMs: 5000 });
  } catch (e) {
    err = e;
  }
  counts.inProcess++;
  if (out !== undefined && c.relabel) {
    const text = Buffer.from(out).toString('utf8');
    assert.doesNotMatch(text, /\[object Object\]/, `${basename(t.file)}: ${c.name}`);
    counts.relabelled++;
    return;
  }
  if (out !== undefined) {
    // Only a change that leaves every value and its order as they were may pass (two equal list items swapped).
    assert.equal(Buffer.from(out).toString('utf8'), t.original, `${basename(t.file)}: ${c.name} was accepted with different content`);
    counts.byCode.equivalent = (counts.byCode.equivalent ?? 0) + 1;
    if (process.env.ROBUSTNESS_DEBUG) console.log('equivalent:', basename(t.file), c.name);
    return;
  }
  assert.ok(err instanceof SopsError, `${basename(t.file)}: ${c.name}: not a SopsError: ${String(err)}`);
  assert.ok(c.codes.includes(err.code), `${basename(t.file)}: ${c.name}: exit ${err.code} (${err.message}), expected one of ${c.codes}`);
  assert.doesNotMatch(err.oneLine(), /\n/);
  assertNoLeak(err.message, t.secrets, `${basename(t.file)}: ${c.name}: error message`);
  counts.byCode[err.code] = (counts.byCode[err.code] ?? 0) + 1;
}

function casesFor(t: Target, rnd: () => number, every: boolean, macOnly: boolean): { cases: TamperCase[]; comments: TamperCase[] } {
  const text = Buffer.from(t.bytes).toString('utf8');
  const fields = encFields(text);
  const values = fields.filter((f) => !f.comment && !f.mac);
  const chosen = every || values.length <= FIELDS_PER_VECTOR ? values : [...values].sort(() => rnd() - 0.5).slice(0, FIELDS_PER_VECTOR);
  const cases: TamperCase[] = [];
  for (const f of [...chosen, ...fields.filter((x) => x.mac)]) cases.push(...fieldFlips(text, f, rnd, every));
  const store = getStoreSync(t.file, t.inputType);
  // The binary store has no rule: its one leaf is always encrypted.
  for (const c of [lastModifiedCase(text), store.name === 'binary' ? undefined : ruleCase(text), masterKeysCase(text)]) if (c) cases.push(c);
  cases.push(...structureCases(t.bytes, store, macOnly));
  const comments = fields.filter((f) => f.comment).flatMap((f) => fieldFlips(text, f, rnd, false).slice(0, 1));
  return { cases, comments };
}

const storeCache = new Map<string, Awaited<ReturnType<typeof getStore>>>();
function getStoreSync(file: string, inputType?: string) {
  const s = storeCache.get(storeNameFor(file, inputType));
  if (!s) throw new Error('store not loaded');
  return s;
}

describe('robustness 1: tampered files are refused, with no plaintext', function () {
  this.timeout(240000);
  let env: NodeJS.ProcessEnv;
  let dir: string;
  const cliSample: { t: Target; c: TamperCase }[] = [];

  before(async function () {
    requireTool(this, 'gpg');
    env = testEnv();
    dir = mkdtempSync(join(tmpdir(), 'hs-tamper-'));
    for (const n of ['yaml', 'json', 'dotenv', 'ini', 'binary'] as const) storeCache.set(n, await getStore(n));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(
      `      [robustness 1] seed ${SEED}: ${counts.inProcess} tampered files refused in-process, ${counts.cli} through the CLI; ` +
        `${counts.commentTolerated} encrypted-comment flips tolerated as sops does; ` +
        `${counts.relabelled} type relabels accepted with the bytes MAC-proven unchanged; by exit code ${JSON.stringify(counts.byCode)}`,
    );
  });

  it('every real vector: flipped ENC bytes, MAC, lastmodified, rule, master keys, renamed/moved/dropped/added/reordered keys and items', async () => {
    const rnd = rng(SEED);
    for (const v of ENCRYPTED_VECTORS) {
      const bytes = readFileSync(v.file);
      const original = Buffer.from(await decryptBytes(bytes, v.file, { env, inputType: v.inputType })).toString('utf8');
      const t: Target = { file: v.file, inputType: v.inputType, bytes, secrets: await secretsOf(bytes, v.file, { env, inputType: v.inputType }), original };
      const macOnly = /mac_only_encrypted["']?\s*[:=]\s*["']?true/.test(bytes.toString('utf8'));
      const { cases, comments } = casesFor(t, rnd, false, macOnly);
      assert.ok(cases.length >= 5, `${basename(v.file)}: only ${cases.length} cases`);
      for (const c of cases) await expectRefused(t, c, env);
      // Encrypted comments are outside the MAC in the sops format: a damaged one stays ciphertext, with a warning.
      for (const c of comments) {
        const warnings: string[] = [];
        const out = Buffer.from(await decryptBytes(c.bytes, v.file, { env, inputType: v.inputType, warn: (w) => warnings.push(w) })).toString('utf8');
        assert.match(warnings.join('\n'), /possibly unencrypted comment/);
        assertNoLeak(out.replace(/[^\n]*ENC\[AES256_GCM[^\n]*/g, ''), [], 'comment');
        counts.commentTolerated++;
      }
      const refusable = cases.filter((c) => !c.relabel);
      for (let i = 0; i < CLI_PER_VECTOR; i++) cliSample.push({ t, c: refusable[Math.floor(rnd() * refusable.length)] });
    }
  });

  it('generated files (YAML, JSON, dotenv, INI): every byte of every ENC field flipped, and every structural change', async () => {
    const rnd = rng(SEED + 1);
    const key = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/).filter((k) => k !== 'sops' && !k.startsWith('sops_'));
    const secret = fc.stringMatching(/^[A-Za-z0-9+/=-]{6,24}$/);
    const flat = fc.uniqueArray(fc.tuple(key, secret), { minLength: 2, maxLength: 4, selector: (x) => x[0] });
    const samples = fc.sample(fc.tuple(flat, flat, fc.array(secret, { minLength: 2, maxLength: 3 })), { numRuns: GENERATED_FILES, seed: SEED });
    let i = 0;
    for (const [a, b, list] of samples) {
      const kind = (['yaml', 'json', 'dotenv', 'ini'] as const)[i % 4];
      const file = join(dir, `gen${i++}.${kind === 'dotenv' ? 'env' : kind}`);
      let plain: string;
      if (kind === 'yaml') plain = a.map(([k, s]) => `${k}: ${JSON.stringify(s)}\n`).join('') + `nested:\n${b.map(([k, s]) => `  ${k}: ${JSON.stringify(s)}\n`).join('')}list:\n${list.map((s) => `  - ${JSON.stringify(s)}\n`).join('')}`;
      else if (kind === 'json') plain = JSON.stringify({ ...Object.fromEntries(a), nested: Object.fromEntries(b), list });
      else if (kind === 'dotenv') plain = [...a, ...b.map(([k, s]) => [`b_${k}`, s])].map(([k, s]) => `${k}=${s}\n`).join('');
      else plain = `[one]\n${a.map(([k, s]) => `${k} = ${s}\n`).join('')}[two]\n${b.map(([k, s]) => `${k} = ${s}\n`).join('')}`;
      const bytes = await encryptBytes(Buffer.from(plain), file, { env, flags: { keys: { age: [AGE_RECIPIENT] } } });
      writeFileSync(file, bytes);
      const original = Buffer.from(await decryptBytes(bytes, file, { env })).toString('utf8');
      const t: Target = { file, bytes, secrets: await secretsOf(bytes, file, { env }), original };
      assert.ok(t.secrets.length >= 4);
      const { cases } = casesFor(t, rnd, true, false);
      for (const c of cases) await expectRefused(t, c, env);
      const refusable = cases.filter((c) => !c.relabel);
      cliSample.push({ t, c: refusable[Math.floor(rnd() * refusable.length)] });
    }
  });

  it('a value relabelled type:comment is refused (it used to decrypt to "[object Object]")', async () => {
    const file = join(dir, 'relabel.yaml');
    const bytes = await encryptBytes(Buffer.from('token: s3cr3t-value\n'), file, { env, flags: { keys: { age: [AGE_RECIPIENT] } } });
    const text = Buffer.from(bytes).toString('utf8');
    const f = encFields(text).find((x) => !x.mac)!;
    const tampered = text.slice(0, f.start) + text.slice(f.start, f.end).replace(/type:str\]$/, 'type:comment]') + text.slice(f.end);
    await assert.rejects(decryptBytes(Buffer.from(tampered), file, { env }), (e: unknown) => e instanceof SopsError && e.code === 25 && /type comment/.test(e.message));
    counts.inProcess++;
  });

  it('a sample through the built CLI: non-zero exit, one stderr line, empty stdout, no plaintext, no output file', async () => {
    assert.ok(cliSample.length > 0);
    const jobs = cliSample.map(({ t, c }, i) => async () => {
      const sub = join(dir, `cli${i}`);
      mkdirSync(sub);
      const file = join(sub, basename(t.file));
      writeFileSync(file, c.bytes);
      const outFile = join(sub, 'out');
      const args = ['decrypt', ...(t.inputType ? ['--input-type', t.inputType] : []), '--output', outFile, file];
      const r = await runCliAsync(args, { env });
      const what = `${basename(t.file)}: ${c.name}`;
      assert.notEqual(r.code, 0, `${what}: accepted by the CLI`);
      assert.ok(c.codes.includes(r.code), `${what}: exit ${r.code}: ${r.stderr}`);
      assert.equal(r.stdout.length, 0, `${what}: stdout not empty`);
      // sops's warnings (clear comments in an encrypted file) may precede the one error line.
      const lines = r.stderr.trimEnd().split('\n').filter((l) => !/^\[helm-secrets\] Warning: /.test(l));
      assert.equal(lines.length, 1, `${what}: stderr has ${lines.length} error lines`);
      assert.match(lines[0], /^\[helm-secrets\] Error: /);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
      assertNoLeak(r.stderr, t.secrets, `${what}: CLI stderr`);
      assert.throws(() => readFileSync(outFile), /ENOENT/, `${what}: an output file was written`);
      counts.cli++;
    });
    await pool(jobs, 4);
  });
});
