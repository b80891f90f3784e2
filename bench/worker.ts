// One measurement in a fresh process: the bench runs each timed operation here so that peak memory
// (maxRSS) belongs to that operation alone and every run starts as cold as a real CLI start.
// Bundled by bench/build.ts; argv[2] is a JSON job, stdout one JSON result.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateValues, type Tree } from './generate.js';

export type Job =
  | { op: 'baseline' }
  | { op: 'decrypt'; file: string }
  | { op: 'encrypt'; file: string; recipient: string }
  | { op: 'jsyaml'; file: string }
  | { op: 'cipher'; leaves: number; seed: number }
  | { op: 'floor'; yamlFile: string; jsonFile: string; leaves: number }
  | { op: 'sopsdecoder'; file: string };

export interface JobResult {
  /** Time of the operation itself, module loading included (what a one-shot CLI pays), in ms. */
  ms: number;
  maxRssKb: number;
  sha256?: string;
  bytes?: number;
  [extra: string]: unknown;
}

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

async function run(job: Job): Promise<Omit<JobResult, 'maxRssKb'>> {
  switch (job.op) {
    case 'baseline':
      return { ms: 0 };
    case 'decrypt': {
      const bytes = readFileSync(job.file);
      const t0 = performance.now();
      const { decryptBytes } = await import('../src/engine.js');
      const out = await decryptBytes(bytes, job.file, { env: process.env });
      const ms = performance.now() - t0;
      return { ms, sha256: sha(out), bytes: out.byteLength };
    }
    case 'encrypt': {
      const bytes = readFileSync(job.file);
      const t0 = performance.now();
      const { encryptBytes } = await import('../src/engine.js');
      const out = await encryptBytes(bytes, job.file, {
        env: process.env,
        cwd: dirname(job.file),
        flags: { keys: { age: [job.recipient] } },
      });
      const ms = performance.now() - t0;
      return { ms, bytes: out.byteLength };
    }
    case 'jsyaml': {
      const text = readFileSync(job.file, 'utf8');
      const t0 = performance.now();
      const jsyaml = await import('js-yaml');
      const out = jsyaml.dump(jsyaml.load(text), { indent: 4, lineWidth: -1 });
      const ms = performance.now() - t0;
      return { ms, bytes: out.length };
    }
    case 'cipher': {
      // The leaves and AADs of a generated file, as the walker would hand them to the cipher.
      const leaves: { value: string | bigint | boolean; aad: string }[] = [];
      const collect = (t: Tree, path: string) => {
        for (const [k, v] of Object.entries(t)) {
          const p = `${path}${k}:`;
          if (Array.isArray(v)) for (const x of v) leaves.push({ value: typeof x === 'number' ? BigInt(x) : x, aad: p });
          else if (typeof v === 'object') collect(v, p);
          else leaves.push({ value: typeof v === 'number' ? BigInt(v) : v, aad: p });
        }
      };
      collect(generateValues(job.leaves, job.seed).tree, '');
      const { encryptValue, decryptValue } = await import('../src/sops/cipher.js');
      const key = randomBytes(32);
      const enc = new Array<string>(leaves.length);
      const t0 = performance.now();
      for (let i = 0; i < leaves.length; i++) enc[i] = encryptValue(leaves[i].value, key, leaves[i].aad);
      const t1 = performance.now();
      let mismatches = 0;
      for (let i = 0; i < leaves.length; i++) {
        if (decryptValue(enc[i], key, leaves[i].aad) !== leaves[i].value) mismatches++;
      }
      const t2 = performance.now();
      if (mismatches) throw new Error(`${mismatches} leaves did not decrypt to their value`);
      return { ms: t2 - t0, encUs: ((t1 - t0) * 1000) / leaves.length, decUs: ((t2 - t1) * 1000) / leaves.length, n: leaves.length };
    }
    case 'floor': {
      const yamlBytes = readFileSync(job.yamlFile);
      const jsonText = readFileSync(job.jsonFile, 'utf8');
      const key = randomBytes(32);
      // First, before the per-leaf loops leave garbage for the collector to find.
      let t0 = performance.now();
      JSON.parse(jsonText);
      const jsonMs = performance.now() - t0;
      // Bulk AES-256-GCM over the whole plaintext: the throughput limit of node:crypto here.
      t0 = performance.now();
      const c = createCipheriv('aes-256-gcm', key, randomBytes(12));
      c.update(yamlBytes);
      c.final();
      c.getAuthTag();
      const aesMs = performance.now() - t0;
      // One cipher object per leaf, IVs from one bulk random buffer: the least a per-leaf format can cost
      // with node:crypto, which has no one-shot AES-GCM call.
      const leaf = Buffer.from('abcdefgh');
      const aad = Buffer.from('section:group:key:');
      const ivs = randomBytes(12 * job.leaves);
      const sealed = new Array<[Buffer, Buffer, Buffer]>(job.leaves);
      t0 = performance.now();
      for (let i = 0; i < job.leaves; i++) {
        const iv = ivs.subarray(i * 12, i * 12 + 12);
        const lc = createCipheriv('aes-256-gcm', key, iv);
        lc.setAAD(aad);
        const ct = lc.update(leaf);
        lc.final();
        sealed[i] = [iv, ct, lc.getAuthTag()];
      }
      const leafEncUs = ((performance.now() - t0) * 1000) / job.leaves;
      t0 = performance.now();
      for (let i = 0; i < job.leaves; i++) {
        const [iv, ct, tag] = sealed[i];
        const ld = createDecipheriv('aes-256-gcm', key, iv);
        ld.setAAD(aad);
        ld.setAuthTag(tag);
        ld.update(ct);
        ld.final();
      }
      const leafDecUs = ((performance.now() - t0) * 1000) / job.leaves;
      t0 = performance.now();
      for (let i = 0; i < job.leaves; i++) randomBytes(12);
      const ivUs = ((performance.now() - t0) * 1000) / job.leaves;
      return { ms: aesMs, aesMs, aesMBps: yamlBytes.byteLength / 1e6 / (aesMs / 1000), leafEncUs, leafDecUs, ivUs, jsonMs };
    }
    case 'sopsdecoder': {
      const t0 = performance.now();
      const { decodeFile } = await import('sops-decoder');
      const out = await decodeFile(job.file);
      const ms = performance.now() - t0;
      return { ms, sha256: sha(JSON.stringify(out)) };
    }
  }
}

const job = JSON.parse(process.argv[2] ?? '{"op":"baseline"}') as Job;
run(job).then(
  (r) => process.stdout.write(JSON.stringify({ ...r, maxRssKb: process.resourceUsage().maxRSS })),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
