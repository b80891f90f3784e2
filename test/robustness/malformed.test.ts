// Part 2 of the robustness suite: broken input of every kind ends in one SopsError (a message and an exit code),
// never a crash, a stack trace, a hang or an output file; in-process through the engine, and a sample through the CLI.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { decryptBytes, encryptBytes } from '../../src/engine.js';
import { SopsError } from '../../src/errors.js';
import { testEnv } from '../helpers/env.js';
import { assertNoLeak, secretsOf } from '../helpers/leakscan.js';
import { encFields } from '../helpers/tamper.js';
import { pool, runCliAsync } from '../helpers/proc.js';

/** fast-check runs per property and store. */
const RUNS = 60;
/** Cases replayed through the built CLI. */
const CLI_CASES = 24;
const SEED = Number(process.env.ROBUSTNESS_SEED ?? Date.now() % 100000);
const AGE_RECIPIENT = 'age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju';

type Kind = 'yaml' | 'json' | 'dotenv' | 'ini' | 'binary';
const EXT: Record<Kind, string> = { yaml: 'yaml', json: 'json', dotenv: 'env', ini: 'ini', binary: 'txt' };
const PLAIN: Record<Kind, string> = {
  yaml: 'db:\n    user: admin-user\n    password: pa55word-yaml\nlist:\n    - item-secret-1\n    - item-secret-2\nport: 5432\n',
  json: '{"db": {"user": "admin-user", "password": "pa55word-json"}, "list": ["item-secret-1", 7, true], "ratio": 1.5}',
  dotenv: 'DB_USER=admin-user\nDB_PASSWORD=pa55word-dotenv\n',
  ini: '[db]\nuser = admin-user\npassword = pa55word-ini\n',
  binary: 'raw secret bytes pa55word-binary\n',
};

const counts = { nullAdded: 0, listWrapped: 0, decrypt: 0, encrypt: 0, cli: 0, accepted: 0, byCode: {} as Record<string, number> };

/**
 * What the sops format authenticates in a YAML or JSON tree: each non-null value, in order, with its path of mapping
 * keys. List indexes are not in the path (SOPS-FORMAT.md), so a mutation that wraps a mapping in a one-item list
 * (a space turned into `-`) or unwraps one keeps every tag and the MAC.
 */
function authenticatedLeaves(text: string): string[] {
  const out: string[] = [];
  const walk = (node: unknown, path: string) => {
    if (isMap(node)) for (const pair of node.items) walk(pair.value, `${path}${String(isScalar(pair.key) ? pair.key.value : pair.key)}:`);
    else if (isSeq(node)) for (const item of node.items) walk(item, path);
    else if (isScalar(node) && node.value !== null) out.push(`${path}=${JSON.stringify(node.value)}`);
  };
  walk(parseDocument(text).contents, '');
  return out;
}

/** Plaintext without what sops leaves out of the MAC: null-valued entries (YAML, JSON) and comment lines. */
function withoutNulls(text: string): string {
  return text
    .replace(/^\s*[#;][^\n]*\n?/gm, '').replace(/^[^\n]*:( null| ~)?$\n?/gm, (line) => (/:\s*(null|~)?\s*$/.test(line) && !/:\s*[|>]/.test(line) ? '' : line)).replace(/,?\s*"[^"\n]*":\s*null/g, '');
}

function tally(e: SopsError): void {
  counts.byCode[e.code] = (counts.byCode[e.code] ?? 0) + 1;
}

interface Sample {
  kind: Kind;
  bytes: Uint8Array;
  secrets: string[];
  original: string;
}

describe('robustness 2: malformed input ends in one SopsError', function () {
  this.timeout(180000);
  let env: NodeJS.ProcessEnv;
  let dir: string;
  const samples = new Map<Kind, Sample>();
  const cliCases: { kind: Kind; bytes: Uint8Array; op: 'decrypt' | 'encrypt' }[] = [];

  const file = (kind: Kind) => join(dir, `in.${EXT[kind]}`);

  /** Decrypting `bytes` either fails with a SopsError or (a change sops does not authenticate) gives the original plaintext. */
  async function decryptRefusedOrSame(kind: Kind, bytes: Uint8Array): Promise<boolean> {
    const s = samples.get(kind);
    counts.decrypt++;
    try {
      const out = await decryptBytes(bytes, file(kind), { env, keyTimeoutMs: 5000 });
      assert.ok(s, `${kind}: random bytes decrypted`);
      // The sops format neither encrypts nor hashes null values or clear comments: adding one passes the MAC.
      const text = Buffer.from(out).toString('utf8');
      if (text !== s.original) {
        if ((kind === 'yaml' || kind === 'json') && withoutNulls(text) !== withoutNulls(s.original)) {
          assert.deepEqual(authenticatedLeaves(text), authenticatedLeaves(s.original), `${kind}: a malformed file decrypted to different content`);
          counts.listWrapped++;
        } else {
          assert.equal(withoutNulls(text), withoutNulls(s.original), `${kind}: a malformed file decrypted to different content`);
          counts.nullAdded++;
        }
      }
      counts.accepted++;
      return true;
    } catch (e) {
      assert.ok(e instanceof SopsError, `${kind}: ${e instanceof Error ? e.constructor.name + ': ' + e.message : String(e)}`);
      assert.ok(e.message.length > 0 && e.code > 0);
      assert.doesNotMatch(e.oneLine(), /\n/);
      if (s) assertNoLeak(e.message, s.secrets, `${kind}: error message`);
      tally(e);
      if (cliCases.length < CLI_CASES && Math.random() < 0.05) cliCases.push({ kind, bytes, op: 'decrypt' });
      return false;
    }
  }

  before(async () => {
    env = testEnv();
    dir = mkdtempSync(join(tmpdir(), 'hs-malformed-'));
    for (const kind of Object.keys(PLAIN) as Kind[]) {
      const bytes = await encryptBytes(Buffer.from(PLAIN[kind]), file(kind), { env, flags: { keys: { age: [AGE_RECIPIENT] } } });
      const original = Buffer.from(await decryptBytes(bytes, file(kind), { env })).toString('utf8');
      samples.set(kind, { kind, bytes, original, secrets: await secretsOf(bytes, file(kind), { env }) });
    }
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(
      `      [robustness 2] seed ${SEED}: ${counts.decrypt} malformed files decrypted in-process (${counts.accepted} unauthenticated changes gave the same plaintext, ${counts.nullAdded} of them plus a null-valued key or a comment, ${counts.listWrapped} with a mapping wrapped in or out of a list, the rest refused), ` +
        `${counts.encrypt} malformed plaintexts encrypted, ${counts.cli} through the CLI; by exit code ${JSON.stringify(counts.byCode)}`,
    );
  });

  for (const kind of Object.keys(PLAIN) as Kind[]) {
    it(`${kind}: random bytes and text`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 400 }), fc.string({ unit: 'binary', maxLength: 400 }).map((s) => Buffer.from(s))), async (b) => {
          assert.equal(await decryptRefusedOrSame(kind, b), false, 'random bytes decrypted');
        }),
        { numRuns: RUNS, seed: SEED },
      );
    });

    it(`${kind}: an encrypted file truncated, cut or spliced with garbage and invalid UTF-8`, async () => {
      const s = samples.get(kind)!;
      const n = s.bytes.length;
      const garbage = fc.oneof(
        fc.uint8Array({ minLength: 1, maxLength: 8 }),
        fc.constantFrom(...[[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xfe, 0xff], [0], [0x0d], [0x22], [0x5b], [0x7b], [0x3a, 0x20]].map((x) => Uint8Array.from(x))),
      );
      const broken = fc.oneof(
        fc.integer({ min: 0, max: n - 2 }).map((i) => s.bytes.subarray(0, i)),
        fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 1, max: 40 })).map(([i, len]) => Buffer.concat([s.bytes.subarray(0, i), s.bytes.subarray(i + len)])),
        fc.tuple(fc.integer({ min: 0, max: n }), garbage).map(([i, g]) => Buffer.concat([s.bytes.subarray(0, i), g, s.bytes.subarray(i)])),
        fc.tuple(fc.integer({ min: 0, max: n - 1 }), garbage).map(([i, g]) => Buffer.concat([s.bytes.subarray(0, i), g, s.bytes.subarray(i + g.length)])),
      );
      await fc.assert(fc.asyncProperty(broken, async (b) => void (await decryptRefusedOrSame(kind, b))), { numRuns: RUNS * 2, seed: SEED });
    });

    it(`${kind}: truncated and garbage ENC[...] strings`, async () => {
      const s = samples.get(kind)!;
      const text = Buffer.from(s.bytes).toString('utf8');
      const fields = encFields(text).filter((f) => !f.mac);
      const enc = fc.oneof(
        fc.string({ maxLength: 60 }).map((g) => `ENC[${g}]`),
        fc.string({ maxLength: 60 }).map((g) => `ENC[AES256_GCM,data:${g}`),
        fc.tuple(fc.base64String({ maxLength: 40 }), fc.base64String({ maxLength: 40 }), fc.base64String({ maxLength: 40 }), fc.string({ maxLength: 8 })).map(
          ([d, i, t, ty]) => `ENC[AES256_GCM,data:${d},iv:${i},tag:${t},type:${ty}]`,
        ),
        fc.integer({ min: 4, max: 200 }).map((cut) => text.slice(fields[0].start, Math.min(fields[0].end - 1, fields[0].start + cut))),
        fc.constantFrom('ENC[]', 'ENC[AES256_GCM]', 'ENC[AES256_GCM,data:,iv:,tag:,type:str]', 'ENC[AES128_CBC,data:AA==,iv:AA==,tag:AA==,type:str]'),
      );
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: fields.length - 1 }), enc, async (which, g) => {
          const f = fields[which];
          // Keep the surrounding syntax valid: JSON needs the value escaped, the other stores take it as it is.
          const repl = kind === 'json' || kind === 'binary' ? JSON.stringify(g).slice(1, -1) : g.replace(/[\r\n]/g, '');
          const b = Buffer.from(text.slice(0, f.start) + repl + text.slice(f.end));
          assert.equal(await decryptRefusedOrSame(kind, b), false, `accepted: ${g}`);
        }),
        { numRuns: RUNS, seed: SEED },
      );
    });
  }

  it('json: wrong types anywhere in the sops block', async () => {
    const s = samples.get('json')!;
    const doc = JSON.parse(Buffer.from(s.bytes).toString('utf8')) as { sops: Record<string, unknown> };
    const paths: (string | number)[][] = [];
    const walk = (v: unknown, p: (string | number)[]) => {
      paths.push(p);
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...p, i]));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
    };
    walk(doc.sops, ['sops']);
    const wrong = fc.oneof(fc.constantFrom(null, 0, -1, 1e308, true, '', [], {}, [[]], { enc: 1 }, 'x'.repeat(5000)), fc.jsonValue({ maxDepth: 3 }));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), wrong, async (p, w) => {
        const copy = JSON.parse(JSON.stringify(doc)) as Record<string | number, unknown>;
        let at: Record<string | number, unknown> = copy;
        for (const k of p.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
        at[p[p.length - 1]] = w;
        await decryptRefusedOrSame('json', Buffer.from(JSON.stringify(copy)));
      }),
      { numRuns: RUNS * 3, seed: SEED },
    );
  });

  it('yaml: wrong types in the sops block', async () => {
    const s = samples.get('yaml')!;
    const text = Buffer.from(s.bytes).toString('utf8');
    const keys = [...text.matchAll(/^( {4}| {8}- | {10})([a-z_]+):/gm)].map((m) => m[0]);
    const wrong = fc.constantFrom(' ~', ' []', ' {}', ' [1, 2]', ' {a: b}', ' !!binary AAAA', ' 12', ' true', ' 2020-01-01', ' &a x', ' *nope', ' "', ' |\n x');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...keys), wrong, async (k, w) => {
        const b = Buffer.from(text.replace(new RegExp(`^${k.replace(/[-]/g, '\\-')}[^\\n]*`, 'm'), k + w));
        await decryptRefusedOrSame('yaml', b);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('broken plaintext for encryption: every store either encrypts it or refuses it with a SopsError', async () => {
    for (const kind of ['yaml', 'json', 'dotenv', 'ini'] as Kind[]) {
      const text = fc.oneof(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.array(fc.constantFrom('a', ':', ' ', '\n', '-', '[', ']', '{', '}', '"', "'", '=', '#', ';', '&', '*', '!', '|', '>', '\t', 'sops', '\\', ','), { maxLength: 80 }).map((a) => a.join('')),
      );
      await fc.assert(
        fc.asyncProperty(text, async (t) => {
          counts.encrypt++;
          try {
            await encryptBytes(Buffer.from(t), file(kind), { env, flags: { keys: { age: [AGE_RECIPIENT] } } });
          } catch (e) {
            assert.ok(e instanceof SopsError, `${kind}: ${e instanceof Error ? e.constructor.name + ': ' + e.message : String(e)}`);
            assert.doesNotMatch(e.oneLine(), /\n/);
            tally(e);
            if (cliCases.length < CLI_CASES && Math.random() < 0.05) cliCases.push({ kind, bytes: Buffer.from(t), op: 'encrypt' });
          }
        }),
        { numRuns: RUNS, seed: SEED },
      );
    }
  });

  it('huge and deeply nested documents: a clear error, no stack overflow', async () => {
    const deep: [Kind, string][] = [
      ['json', '['.repeat(100000) + ']'.repeat(100000)],
      ['json', '{"a":'.repeat(50000) + '1' + '}'.repeat(50000)],
      ['yaml', '['.repeat(100000) + ']'.repeat(100000)],
      ['yaml', '- '.repeat(30000) + 'x\n'],
      ['yaml', Array.from({ length: 3000 }, (_, i) => ' '.repeat(i) + 'a:').join('\n') + ' 1\n'],
    ];
    for (const [kind, text] of deep) {
      for (const op of ['decrypt', 'encrypt'] as const) {
        const b = Buffer.from(text);
        const p = op === 'decrypt' ? decryptBytes(b, file(kind), { env }) : encryptBytes(b, file(kind), { env, flags: { keys: { age: [AGE_RECIPIENT] } } });
        await assert.rejects(p, (e: unknown) => {
          assert.ok(e instanceof SopsError, `${kind} ${op}: ${String(e)}`);
          assert.match(e.message, /nested too deeply/);
          tally(e);
          return true;
        });
        counts[op]++;
      }
      cliCases.push({ kind, bytes: Buffer.from(text), op: 'decrypt' });
    }
    // Huge but flat: read and refused (no sops metadata) without trouble.
    const huge: [Kind, string][] = [
      ['yaml', Array.from({ length: 200000 }, (_, i) => `k${i}: v${i}\n`).join('')],
      ['json', JSON.stringify(Object.fromEntries(Array.from({ length: 200000 }, (_, i) => [`k${i}`, `v${i}`])))],
      ['dotenv', 'A='.padEnd(20 * 1024 * 1024, 'x') + '\n'],
      ['binary', 'x'.repeat(20 * 1024 * 1024)],
    ];
    for (const [kind, text] of huge) {
      const why = kind === 'binary' ? /could not unmarshal/ : /metadata not found/;
      await assert.rejects(decryptBytes(Buffer.from(text), file(kind), { env }), (e: unknown) => e instanceof SopsError && why.test(e.message));
      counts.decrypt++;
    }
  });

  it('a sample through the built CLI: one stderr line, no stack trace, non-zero exit, no output file', async () => {
    assert.ok(cliCases.length >= 5, `only ${cliCases.length} CLI cases collected`);
    await pool(
      cliCases.map((c, i) => async () => {
        const sub = join(dir, `cli${i}`);
        mkdirSync(sub);
        const input = join(sub, `in.${EXT[c.kind]}`);
        writeFileSync(input, c.bytes);
        const out = join(sub, 'out');
        const r = await runCliAsync([c.op, '--output', out, input], { env });
        assert.notEqual(r.code, 0, `${c.kind} ${c.op} accepted`);
        const lines = r.stderr.trimEnd().split('\n').filter((l) => !/^\[helm-secrets\] Warning: /.test(l));
        assert.equal(lines.length, 1, `${c.kind} ${c.op}: ${r.stderr}`);
        // The engine's errors, or helm-secrets' own check of a decrypt input that is not encrypted.
        assert.match(lines[0], /^\[helm-secrets\] (Error: |File is not encrypted: )/);
        assert.doesNotMatch(r.stderr, /\n\s+at |node:internal/);
        assert.equal(r.stdout.length, 0);
        assert.throws(() => readFileSync(out), /ENOENT/);
        const s = samples.get(c.kind);
        if (s) assertNoLeak(r.stderr, s.secrets, `${c.kind} ${c.op}: CLI stderr`);
        counts.cli++;
      }),
      4,
    );
  });
});
