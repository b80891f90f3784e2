// Case 5: other sops readers on the same files, whole processes. sops-decoder (npm) reads JSON and gets its data key from AWS
// KMS only, so the files carry a KMS key from a local moto; the sops binary is timed only if it is on PATH.
import { deepStrictEqual } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateValues } from '../generate.js';
import { profile } from '../profile.js';
import { motoAvailable, startKms, type Kms } from '../moto.js';
import { alternate, median, time } from '../stats.js';
import { errorRow, type Ctx, type Row } from '../context.js';

interface PeerFile {
  leaves: number;
  /** File our engine decrypts; `peerFile` is the same values and ciphertext for sops-decoder. */
  ourFile: string;
  peerFile: string;
  /** Environment our decrypt runs with. */
  ourEnv: NodeJS.ProcessEnv;
  viaKms: boolean;
  expectSha: string;
}

/**
 * With our own `kms` key kind, one file encrypted for the moto key serves both readers (both unwrap via
 * KMS). Without it, the file is encrypted for age and the same data key, wrapped by moto, is added as a
 * `kms` entry to a copy: the values and their ciphertext are the same, only the key unwrap differs.
 */
async function preparePeerFile(ctx: Ctx, kms: Kms, leaves: number): Promise<PeerFile> {
  const g = generateValues(leaves, ctx.seed + 7);
  const plain = Buffer.from(g.json);
  const ourFile = join(ctx.dir, `peer-${leaves}.enc.json`);
  const { encryptBytes, decryptBytes, openEncrypted } = await import('../../src/engine.js');
  const env = { ...ctx.env, ...kms.env };
  const expectSha = createHash('sha256').update(JSON.stringify(g.tree)).digest('hex');
  try {
    const enc = await encryptBytes(plain, ourFile, { env, cwd: ctx.dir, flags: { keys: { kms: [kms.arn] } } });
    writeFileSync(ourFile, enc, { mode: 0o600 });
    const ourEnv = { ...env, SOPS_AGE_KEY_FILE: join(ctx.dir, 'no-age-key.txt') };
    deepStrictEqual(JSON.parse(Buffer.from(await decryptBytes(enc, ourFile, { env: ourEnv })).toString()), g.tree);
    return { leaves, ourFile, peerFile: ourFile, ourEnv, viaKms: true, expectSha };
  } catch {
    // our kms kind is not available: fall through to the age file plus an added kms entry
  }
  const enc = await encryptBytes(plain, ourFile, { env, cwd: ctx.dir, flags: { keys: { age: [ctx.recipient] } } });
  writeFileSync(ourFile, enc, { mode: 0o600 });
  const opened = await openEncrypted(enc, ourFile, { env });
  const wrapped = await kms.encrypt(opened.dataKey);
  const doc = JSON.parse(Buffer.from(enc).toString('utf8')) as { sops: Record<string, unknown> };
  doc.sops.kms = [{ arn: kms.arn, created_at: new Date().toISOString(), enc: Buffer.from(wrapped).toString('base64'), aws_profile: '' }];
  const peerFile = join(ctx.dir, `peer-${leaves}.kms.enc.json`);
  writeFileSync(peerFile, JSON.stringify(doc, null, '\t') + '\n', { mode: 0o600 });
  deepStrictEqual(JSON.parse(Buffer.from(await decryptBytes(enc, ourFile, { env })).toString()), g.tree);
  return { leaves, ourFile, peerFile, ourEnv: env, viaKms: false, expectSha };
}

export async function peers(ctx: Ctx): Promise<Row[]> {
  const rows: Row[] = [];
  const sizes = [ctx.sizes.smallLeaves, ctx.sizes.peerLeaves];
  if (!motoAvailable()) {
    for (const n of sizes) {
      rows.push({ case: 5, name: `sops-decoder, JSON ${n} leaves`, status: 'unavailable', met: null, note: 'moto_server not installed (needed for its AWS KMS key)' });
    }
  } else {
    let kms: Kms | undefined;
    try {
      ctx.log('case 5: starting moto_server for KMS');
      kms = await startKms(ctx.dir);
      for (const n of sizes) {
        const name = `sops-decoder, JSON ${n.toLocaleString('en-US')} leaves`;
        try {
          const f = await preparePeerFile(ctx, kms, n);
          ctx.log(`case 5: ${ctx.sizes.runs.peer} runs each, ours / sops-decoder, ${n} leaves`);
          const peerEnv = { ...ctx.env, ...kms.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
          // Whole processes, as a user or a pipeline runs them: our CLI (bundles, code caches) against a script that
          // loads sops-decoder and prints what it decodes. Both outputs must be the generated values.
          const peerScript = join(ctx.dir, 'sops-decoder-run.cjs');
          writeFileSync(
            peerScript,
            `require(${JSON.stringify(join(ctx.root, 'node_modules', 'sops-decoder'))}).decodeFile(process.argv[2]).then((o) => process.stdout.write(JSON.stringify(o)));\n`,
          );
          const cli = join(ctx.root, 'bin', 'helm-secrets.js');
          const whole = (argv: string[], env: NodeJS.ProcessEnv) => {
            let out = '';
            const ms = time(() => {
              const r = spawnSync(process.execPath, argv, { env, encoding: 'utf8', maxBuffer: 1 << 28 });
              if (r.status !== 0) throw new Error(`${argv[0]} failed (exit ${r.status}): ${r.stderr.trim().split('\n').pop()}`);
              out = r.stdout;
            });
            return { ms, sha256: createHash('sha256').update(JSON.stringify(JSON.parse(out))).digest('hex') };
          };
          const [ours, theirs] = alternate(ctx.sizes.runs.peer, [
            () => whole([cli, 'decrypt', f.ourFile], f.ourEnv),
            () => whole([peerScript, f.peerFile], peerEnv),
          ]);
          if (ctx.profile) process.stderr.write(`${profile(ctx, { op: 'decrypt', file: f.ourFile }, f.ourEnv)}\n\n`);
          if (theirs[0].sha256 !== f.expectSha) throw new Error('sops-decoder returned other values');
          if (ours[0].sha256 !== f.expectSha) throw new Error('our decrypt returned other values');
          const o = median(ours.map((r) => r.ms));
          const t = median(theirs.map((r) => r.ms));
          rows.push({
            case: 5,
            name,
            status: 'ok',
            ours: { value: o, unit: 'ms' },
            ref: { value: t, unit: 'ms', name: 'sops-decoder 0.10.3' },
            ratio: o / t,
            target: '< 1× (faster)',
            met: o < t,
            note: `whole processes: helm-secrets decrypt FILE against a script that loads sops-decoder and prints JSON.stringify of its result; ${f.viaKms ? 'both unwrap the data key via KMS (moto)' : 'ours unwraps via age, sops-decoder via KMS (moto), same ciphertext'}`,
          });
        } catch (err) {
          rows.push(errorRow(5, name, err));
        }
      }
    } catch (err) {
      for (const n of sizes) rows.push(errorRow(5, `sops-decoder, JSON ${n} leaves`, err));
    } finally {
      kms?.stop();
    }
  }
  rows.push(sopsBinary(ctx));
  return rows;
}

/** The real sops, only if installed: decrypt of the same YAML file as case 3's small size. */
function sopsBinary(ctx: Ctx): Row {
  const name = 'sops binary';
  const which = spawnSync('sops', ['--version'], { encoding: 'utf8' });
  if (which.error || which.status !== 0) return { case: 5, name, status: 'unavailable', met: null, note: 'not installed' };
  try {
    const enc = join(ctx.dir, `big-${ctx.sizes.bigLeaves[0]}.enc.yaml`);
    const cli = join(ctx.root, 'bin', 'helm-secrets.js');
    const [ours, theirs] = alternate(ctx.sizes.runs.peer, [
      () => time(() => spawnSync(process.execPath, [cli, 'decrypt', enc], { env: ctx.env, stdio: 'ignore' })),
      () => time(() => spawnSync('sops', ['decrypt', enc], { env: ctx.env, stdio: 'ignore' })),
    ]);
    const o = median(ours);
    const t = median(theirs);
    return {
      case: 5,
      name: `${name}, decrypt YAML ${ctx.sizes.bigLeaves[0]} leaves`,
      status: 'ok',
      ours: { value: o, unit: 'ms' },
      ref: { value: t, unit: 'ms', name: which.stdout.split('\n')[0].trim() },
      ratio: o / t,
      target: '< 1× (faster)',
      met: o < t,
      note: 'whole processes: helm-secrets decrypt against sops decrypt',
    };
  } catch (err) {
    return errorRow(5, name, err);
  }
}
