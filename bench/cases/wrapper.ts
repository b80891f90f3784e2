// Cases 1 and 2: what the wrapper adds before helm starts, timed as users feel it: whole processes, through helm's
// own plugin dispatch (`helm secrets template …`, the plugin installed with `helm plugin install` into the session's
// private helm home), and how that grows from one encrypted values file to many in one command.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateValues } from '../generate.js';
import { alternate, median, time } from '../stats.js';
import { errorRow, type Ctx, type Row } from '../context.js';

const CHART_YAML = 'apiVersion: v2\nname: bench\nversion: 0.1.0\n';
// Renders every value, so a wrong or missing decryption changes the output.
const TEMPLATE = `apiVersion: v1
kind: ConfigMap
metadata:
  name: bench
data:
  values: |
{{ toYaml .Values | indent 4 }}
`;

interface Command {
  label: string;
  argv: string[];
}

function writeChart(dir: string): string {
  const chart = join(dir, 'chart');
  mkdirSync(join(chart, 'templates'), { recursive: true });
  writeFileSync(join(chart, 'Chart.yaml'), CHART_YAML);
  writeFileSync(join(chart, 'templates', 'configmap.yaml'), TEMPLATE);
  return chart;
}

/** Writes `count` values files (plain and encrypted) with distinct top-level keys. */
async function writeValues(ctx: Ctx, prefix: string, count: number): Promise<{ plain: string[]; enc: string[] }> {
  const { encryptBytes } = await import('../../src/engine.js');
  const plain: string[] = [];
  const enc: string[] = [];
  for (let i = 0; i < count; i++) {
    const g = generateValues(ctx.sizes.smallLeaves, ctx.seed + 100 + i);
    // Distinct top-level keys per file: helm merges them, so every file shows in the output.
    const yaml = g.yaml.replace(/^(\S[^:]*):/gm, `$1_${prefix}${i}:`);
    const p = join(ctx.dir, `${prefix}${i}.dec.yaml`);
    const e = join(ctx.dir, `${prefix}${i}.secrets.yaml`);
    writeFileSync(p, yaml, { mode: 0o600 });
    writeFileSync(e, await encryptBytes(Buffer.from(yaml), e, { env: ctx.env, cwd: ctx.dir, flags: { keys: { age: [ctx.recipient] } } }), { mode: 0o600 });
    plain.push(p);
    enc.push(e);
  }
  return { plain, enc };
}

function exec(ctx: Ctx, cmd: Command): string {
  const r = spawnSync(cmd.argv[0], cmd.argv.slice(1), {
    env: ctx.env,
    encoding: 'utf8',
    cwd: ctx.dir,
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  if (r.error) throw new Error(`${cmd.label} failed: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd.label} failed (exit ${r.status}): ${r.stderr.trim().split('\n').pop()}`);
  return r.stdout;
}

/** Checks both commands render the same manifest, then times them interleaved; returns medians in ms. */
function race(ctx: Ctx, runs: number, a: Command, b: Command): [number, number] {
  const outA = exec(ctx, a);
  const outB = exec(ctx, b);
  if (outA !== outB) throw new Error(`${a.label} and ${b.label} rendered different manifests`);
  const [ta, tb] = alternate(runs, [() => time(() => exec(ctx, a)), () => time(() => exec(ctx, b))]);
  return [median(ta), median(tb)];
}

/** Installs this checkout as helm's `secrets` plugin in the session's helm home (a link, as helm does for a directory). */
function installPlugin(ctx: Ctx, helm: string): void {
  const r = spawnSync(helm, ['plugin', 'install', ctx.root], { env: ctx.env, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`helm plugin install failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
}

export async function wrapper(ctx: Ctx): Promise<Row[]> {
  const rows: Row[] = [];
  const helm = ctx.env.HELM_SECRETS_HELM_PATH!;
  const cli = join(ctx.root, 'bin', 'helm-secrets.js');
  const chart = writeChart(ctx.dir);
  const node = process.execPath;
  const { runs } = ctx.sizes;
  try {
    installPlugin(ctx, helm);
  } catch (err) {
    return [errorRow(1, 'wrapper overhead: helm secrets template', err), errorRow(2, 'many files: helm secrets template', err)];
  }

  let one: { plain: string[]; enc: string[] } | undefined;
  try {
    one = await writeValues(ctx, 'one', 1);
    ctx.log(`case 1: ${runs.cli} runs each of helm secrets template / helm template`);
    const [ours, plain] = race(
      ctx,
      runs.cli,
      { label: 'helm secrets template', argv: [helm, 'secrets', 'template', chart, '-f', one.enc[0]] },
      { label: 'helm template', argv: [helm, 'template', chart, '-f', one.plain[0]] },
    );
    ctx.shared.oneFileMs = ours;
    // Where the added time goes: bare node, our CLI doing nothing but printing its help, and our CLI run directly
    // (without helm's plugin dispatch, which starts helm once more).
    const [bare, help, direct] = alternate(Math.min(runs.cli, 11), [
      () => time(() => exec(ctx, { label: 'node -e 0', argv: [node, '-e', '0'] })),
      () => time(() => exec(ctx, { label: 'helm-secrets --help', argv: [node, cli, '--help'] })),
      () => time(() => exec(ctx, { label: 'helm-secrets template', argv: [node, cli, 'template', chart, '-f', one!.enc[0]] })),
    ]);
    const startMs = median(bare);
    const helpMs = median(help);
    const directMs = median(direct);
    rows.push({
      case: 1,
      name: `wrapper overhead: helm secrets template, 1 file (${ctx.sizes.smallLeaves} leaves)`,
      status: 'ok',
      ours: { value: ours, unit: 'ms' },
      ref: { value: plain, unit: 'ms', name: 'helm template (decrypted values)' },
      ratio: ours / plain,
      added: ours - plain,
      target: '≤ 120 ms added',
      met: ours - plain <= 120,
      note: `through helm's plugin dispatch; run directly (node bin/helm-secrets.js template …) ${directMs.toFixed(0)} ms, +${(directMs - plain).toFixed(0)} ms; bare node -e 0 ${startMs.toFixed(0)} ms, helm-secrets --help ${helpMs.toFixed(0)} ms`,
    });
  } catch (err) {
    rows.push(errorRow(1, 'wrapper overhead: helm secrets template', err));
  }

  try {
    if (!one) throw new Error('no one-file inputs');
    // As in a real repository, a .sops.yaml beside the values files: every file's decryption looks it up and reads it
    // (its stores settings), so what that costs is part of this case.
    writeFileSync(join(ctx.dir, '.sops.yaml'), `creation_rules:\n  - path_regex: \\.secrets\\.yaml$\n    age: ${ctx.recipient}\nstores:\n  yaml:\n    indent: 2\n`);
    const many = await writeValues(ctx, 'many', ctx.sizes.manyFiles);
    const manyArgs = many.enc.flatMap((f) => ['-f', f]);
    ctx.log(`case 2: ${runs.many} runs each of ${many.enc.length} files / 1 file / plain helm / both directly`);
    const manyCmd = { label: `helm secrets template (${many.enc.length} files)`, argv: [helm, 'secrets', 'template', chart, ...manyArgs] };
    const plainCmd = { label: `helm template (${many.enc.length} decrypted files)`, argv: [helm, 'template', chart, ...many.plain.flatMap((f) => ['-f', f])] };
    const oneCmd = { label: 'helm secrets template (1 file)', argv: [helm, 'secrets', 'template', chart, '-f', one.enc[0]] };
    const manyDirect = { label: 'helm-secrets template (50 files, direct)', argv: [node, cli, 'template', chart, ...manyArgs] };
    const oneDirect = { label: 'helm-secrets template (1 file, direct)', argv: [node, cli, 'template', chart, '-f', one.enc[0]] };
    if (exec(ctx, manyCmd) !== exec(ctx, plainCmd)) throw new Error(`${manyCmd.label} and ${plainCmd.label} rendered different manifests`);
    const cmds = [manyCmd, oneCmd, plainCmd, manyDirect, oneDirect];
    const [tMany, tOne, tPlain, tManyDirect, tOneDirect] = alternate(runs.many, cmds.map((c) => () => time(() => exec(ctx, c))));
    const ours = median(tMany);
    const single = median(tOne);
    const directRatio = median(tManyDirect) / median(tOneDirect);
    rows.push({
      case: 2,
      name: `many files: helm secrets template, ${many.enc.length} encrypted files`,
      status: 'ok',
      ours: { value: ours, unit: 'ms' },
      ref: { value: single, unit: 'ms', name: 'helm secrets template, 1 file' },
      ratio: ours / single,
      added: ours - single,
      target: '≤ 1.5× one file',
      met: ours / single <= 1.5,
      note: `${ctx.sizes.smallLeaves} leaves per file; plain helm template on the ${many.enc.length} decrypted files: ${median(tPlain).toFixed(0)} ms; run directly (no plugin dispatch) ${median(tManyDirect).toFixed(0)} ms against ${median(tOneDirect).toFixed(0)} ms, ${directRatio.toFixed(2)}×`,
    });
  } catch (err) {
    rows.push(errorRow(2, 'many files: helm secrets template', err));
  }
  return rows;
}
