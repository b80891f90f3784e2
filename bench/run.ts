// `npm run bench`: measures the plugin against its peers and its limits in one session and prints one
// table, also written as JSON (and Markdown) under bench/results/. Flags: --tiny, --only 1,3, --out FILE,
// --seed N, --profile (where the time of the big decrypt goes).
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildWorker, ROOT } from './build.js';
import { DEFAULT_SIZES, TINY_SIZES, type Ctx, type Row } from './context.js';
import { describeMachine, machine, markdownTable, textTable } from './table.js';
import { bigFile, prepareBig } from './cases/bigfile.js';
import { cipherPerLeaf } from './cases/cipher.js';
import { floor } from './cases/floor.js';
import { peers } from './cases/peers.js';
import { refsCase } from './cases/refs.js';
import { wrapper } from './cases/wrapper.js';
import { profile } from './profile.js';

const { values: args } = parseArgs({
  options: {
    tiny: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string' },
    seed: { type: 'string', default: '1' },
    profile: { type: 'boolean', default: false },
  },
});

// The AWS SDK warns about Node 20 on load (for the local KMS in case 5); it says nothing about the bench.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (!`${w.name} ${w.message}`.includes('NodeVersionSupportWarning')) process.stderr.write(`${w.name}: ${w.message}\n`);
});

/**
 * The inherited environment minus anything that would let a user's keys or config into the bench, and node's own
 * NODE_OPTIONS and NODE_EXTRA_CA_CERTS: node parses that CA file before any script runs (40-60 ms per process on a
 * system bundle here), which would bury what the CLI itself costs in every start-up figure. Nothing here uses TLS.
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(SOPS_|AWS_|GOOGLE_|AZURE_|VAULT_|HELM_|GNUPGHOME$|XDG_|NODE_OPTIONS$|NODE_EXTRA_CA_CERTS$)/.test(k)) continue;
    env[k] = v;
  }
  return env;
}

async function setup(): Promise<Ctx> {
  const dir = mkdtempSync(join(tmpdir(), 'hs-bench-'));
  chmodSync(dir, 0o700);
  const age = await import('age-encryption');
  const identity = await age.generateIdentity();
  const recipient = await age.identityToRecipient(identity);
  const keyFile = join(dir, 'age-key.txt');
  writeFileSync(keyFile, `${identity}\n`, { mode: 0o600 });
  for (const d of ['helm-cache', 'helm-config', 'helm-data']) mkdirSync(join(dir, d));
  const env: NodeJS.ProcessEnv = {
    ...cleanEnv(),
    SOPS_AGE_KEY_FILE: keyFile,
    HELM_SECRETS_HELM_PATH: join(ROOT, '.helm', 'v4', 'helm'),
    HELM_CACHE_HOME: join(dir, 'helm-cache'),
    HELM_CONFIG_HOME: join(dir, 'helm-config'),
    HELM_DATA_HOME: join(dir, 'helm-data'),
  };
  const sizes = args.tiny ? TINY_SIZES : DEFAULT_SIZES;
  return {
    root: ROOT,
    dir,
    worker: await buildWorker(),
    env,
    recipient,
    sizes,
    seed: Number(args.seed),
    log: (m) => process.stderr.write(`[bench] ${m}\n`),
    profile: args.profile ?? false,
    shared: {},
  };
}

async function main(): Promise<number> {
  const only = args.only ? new Set(args.only.split(',').map(Number)) : null;
  const want = (c: number) => !only || only.has(c);
  const started = new Date();
  const loadBefore = loadavg()[0];
  const ctx = await setup();
  const rows: Row[] = [];
  try {
    // Order matters only for cross-references: case 6 quotes case 3's decrypt, case 4 quotes case 6's floor.
    if (want(3)) rows.push(...(await bigFile(ctx)));
    if (want(6) || want(4)) {
      const large = ctx.sizes.bigLeaves[1];
      try {
        const input = await prepareBig(ctx, large);
        if (want(6)) rows.push(...floor(ctx, input));
        else floor(ctx, input);
      } catch (err) {
        ctx.log(`floor skipped: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (want(4)) rows.push(...cipherPerLeaf(ctx));
    if (want(1) || want(2) || want(7)) rows.push(...(await wrapper(ctx)).filter((r) => want(r.case)));
    if (want(5)) rows.push(...(await peers(ctx)));
    if (want(7)) rows.push(...(await refsCase(ctx)));
    if (args.profile) {
      const input = await prepareBig(ctx, ctx.sizes.bigLeaves[1]);
      ctx.log('profiling decrypt and encrypt of the big file');
      process.stderr.write(`${profile(ctx, { op: 'decrypt', file: input.encFile })}\n\n`);
      process.stderr.write(`${profile(ctx, { op: 'encrypt', file: input.plainFile, recipient: ctx.recipient })}\n\n`);
    }
  } finally {
    rmSync(ctx.dir, { recursive: true, force: true });
  }
  rows.sort((a, b) => a.case - b.case);
  const m = machine(ctx.env.HELM_SECRETS_HELM_PATH);
  const finished = new Date();
  const result = {
    date: started.toISOString(),
    seconds: Math.round((finished.getTime() - started.getTime()) / 1000),
    size: args.tiny ? 'tiny' : 'default',
    /** 1-minute load average before and after: other work on the machine inflates absolute figures. */
    load: [loadBefore, loadavg()[0]].map((x) => Math.round(x * 100) / 100),
    seed: ctx.seed,
    machine: m,
    sizes: ctx.sizes,
    rows,
  };
  process.stdout.write(`${textTable(rows)}\n\nmachine: ${describeMachine(m)}\nrun: ${result.date}, ${result.seconds} s, sizes ${result.size}, load average ${result.load.join(' → ')}\n`);
  const md = `Measured ${result.date.slice(0, 10)} on ${describeMachine(m)}; ${result.seconds} s, sizes ${result.size}, seed ${result.seed}, load average ${result.load.join(' → ')}.\n\n${markdownTable(rows)}\n`;
  if (args.out) {
    writeFileSync(args.out, JSON.stringify(result, null, 2) + '\n');
  } else {
    const dir = join(ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    // One file per kind, overwritten: git history keeps the earlier runs, and the README quotes latest.md.
    writeFileSync(join(dir, 'latest.json'), JSON.stringify({ ...result, host: hostname() }, null, 2) + '\n');
    writeFileSync(join(dir, 'latest.md'), md);
    process.stdout.write('written: bench/results/latest.json, bench/results/latest.md\n');
  }
  return rows.some((r) => r.status === 'error') ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`[bench] ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);
