// Cases 1, 2 and 7: what the wrapper adds before helm starts, timed as users feel it: whole processes, through helm's
// own plugin dispatch (`helm secrets template …`, the plugin installed with `helm plugin install` into the session's
// private helm home), and how that grows from one encrypted values file to many in one command; and how close the
// CLI's start-up comes to the floor of the platform: bare `node -e 0`, and helm's dispatch of a plugin that does
// nothing. The working directory has a .sops.yaml, as a project that encrypts with sops does.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** Medians of `rounds` (one sample per contender each): ours − floor, and the spread of that difference round by round. */
function paired(ours: number[], floor: number[][]): { added: number; iqr: [number, number] } {
  const d = ours.map((t, i) => t - floor.reduce((sum, f) => sum + f[i], 0)).sort((a, b) => a - b);
  const q = (p: number) => d[Math.min(d.length - 1, Math.floor(p * d.length))];
  return { added: median(ours) - floor.reduce((sum, f) => sum + median(f), 0), iqr: [q(0.25), q(0.75)] };
}

const ms = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)} ms`;

/** A plugin whose command exits at once (a shell script, as ours is): what helm's plugin dispatch costs by itself. */
function installNoopPlugin(ctx: Ctx, helm: string): void {
  const dir = join(ctx.dir, 'noop-plugin');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'plugin.yaml'), 'name: "noop"\nversion: "0.1.0"\nusage: "does nothing"\ndescription: "bench floor"\ncommand: "$HELM_PLUGIN_DIR/noop.sh"\n');
  writeFileSync(join(dir, 'noop.sh'), '#!/bin/sh\nexit 0\n');
  chmodSync(join(dir, 'noop.sh'), 0o755);
  const r = spawnSync(helm, ['plugin', 'install', dir], { env: ctx.env, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`helm plugin install (noop) failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
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
  const launcher = join(ctx.root, 'scripts', 'plugin-entry');
  // A project that encrypts with sops has one: each file's lookup finds and reads it (removed after these cases).
  const sopsYaml = join(ctx.dir, '.sops.yaml');
  writeFileSync(sopsYaml, `creation_rules:\n  - path_regex: \\.secrets\\.yaml$\n    age: ${ctx.recipient}\n`);
  try {
    installPlugin(ctx, helm);
    installNoopPlugin(ctx, helm);
  } catch (err) {
    rmSync(sopsYaml, { force: true });
    return [1, 2, 7].map((c) => errorRow(c, c === 7 ? 'start-up against bare node' : c === 1 ? 'wrapper overhead: helm secrets template' : 'many files: helm secrets template', err));
  }

  let one: { plain: string[]; enc: string[] } | undefined;
  try {
    one = await writeValues(ctx, 'one', 1);
    ctx.log(`case 1, 7: ${runs.cli} rounds of helm secrets template / helm template / helm noop / node -e 0 / version / decrypt`);
    const ourCmd = { label: 'helm secrets template', argv: [helm, 'secrets', 'template', chart, '-f', one.enc[0]] };
    const plainCmd = { label: 'helm template', argv: [helm, 'template', chart, '-f', one.plain[0]] };
    if (exec(ctx, ourCmd) !== exec(ctx, plainCmd)) throw new Error(`${ourCmd.label} and ${plainCmd.label} rendered different manifests`);
    const decryptCmd = { label: 'helm-secrets decrypt', argv: [node, cli, 'decrypt', one.enc[0]] };
    if (exec(ctx, decryptCmd) !== readFileSync(one.plain[0], 'utf8')) throw new Error('helm-secrets decrypt gave other bytes than the plaintext');
    const versionCmd = { label: 'helm-secrets version', argv: [node, cli, 'version'] };
    const want = (JSON.parse(readFileSync(join(ctx.root, 'package.json'), 'utf8')) as { version: string }).version;
    if (exec(ctx, versionCmd).trim() !== want) throw new Error('helm-secrets version printed something else');
    // Every contender once per round, the order reversed every other round, so drift hits them alike.
    const cmds = [
      ourCmd,
      plainCmd,
      { label: 'helm noop', argv: [helm, 'noop'] },
      { label: 'node -e 0', argv: [node, '-e', '0'] },
      versionCmd,
      decryptCmd,
      { label: 'plugin-entry version', argv: [launcher, 'version'] },
      { label: 'helm-secrets template', argv: [node, cli, 'template', chart, '-f', one.enc[0]] },
    ];
    const [tOurs, tPlain, tNoop, tBare, tVersion, tDecrypt, tLauncher, tDirect] = alternate(runs.cli, cmds.map((c) => () => time(() => exec(ctx, c))));
    const ours = median(tOurs);
    const plain = median(tPlain);
    const bare = median(tBare);
    const noop = median(tNoop);
    ctx.shared.oneFileMs = ours;
    const floor = bare + plain + noop;
    const vsFloor = paired(tOurs, [tBare, tPlain, tNoop]);
    rows.push({
      case: 1,
      name: `wrapper overhead: helm secrets template, 1 file (${ctx.sizes.smallLeaves} leaves)`,
      status: 'ok',
      ours: { value: ours, unit: 'ms' },
      ref: { value: floor, unit: 'ms', name: 'floor: node -e 0 + helm template + helm noop' },
      ratio: ours / floor,
      added: vsFloor.added,
      target: '≤ floor + 30 ms',
      met: vsFloor.added <= 30,
      note: `medians of ${runs.cli} rounds; floor = bare node ${bare.toFixed(1)} ms + helm template on the decrypted file ${plain.toFixed(1)} ms + helm's dispatch of a plugin that does nothing ${noop.toFixed(1)} ms; ours − floor round by round: quartiles ${ms(vsFloor.iqr[0])} to ${ms(vsFloor.iqr[1])}; over plain helm template ${ms(ours - plain)}; run directly (node bin/helm-secrets.js template …) ${median(tDirect).toFixed(1)} ms`,
    });
    /** A case 7 row: `times` against bare node, within `limit` ms of it. */
    const overBare = (name: string, times: number[], limit: number, note: (q: { added: number; iqr: [number, number] }) => string): Row => {
      const q = paired(times, [tBare]);
      return {
        case: 7,
        name,
        status: 'ok',
        ours: { value: median(times), unit: 'ms' },
        ref: { value: bare, unit: 'ms', name: 'node -e 0' },
        ratio: median(times) / bare,
        added: q.added,
        target: `≤ bare node + ${limit} ms`,
        met: q.added <= limit,
        note: note(q),
      };
    };
    const launched = paired(tLauncher, [tBare]);
    rows.push(
      overBare('start-up: helm-secrets version', tVersion, 10, (q) => `node bin/helm-secrets.js version; round by round quartiles ${ms(q.iqr[0])} to ${ms(q.iqr[1])}; through the launcher helm runs (scripts/plugin-entry version) ${median(tLauncher).toFixed(1)} ms, ${ms(launched.added)}`),
      overBare(`start-up: helm-secrets decrypt, ${ctx.sizes.smallLeaves} leaves (age)`, tDecrypt, 25, (q) => `node bin/helm-secrets.js decrypt FILE, output = plaintext byte for byte; round by round quartiles ${ms(q.iqr[0])} to ${ms(q.iqr[1])}`),
    );
  } catch (err) {
    rows.push(errorRow(1, 'wrapper overhead: helm secrets template', err));
    rows.push(errorRow(7, 'start-up against bare node', err));
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
      target: '≤ 1.3× one file',
      met: ours / single <= 1.3,
      note: `${ctx.sizes.smallLeaves} leaves per file, a .sops.yaml in the working directory; plain helm template on the ${many.enc.length} decrypted files: ${median(tPlain).toFixed(0)} ms; run directly (no plugin dispatch) ${median(tManyDirect).toFixed(0)} ms against ${median(tOneDirect).toFixed(0)} ms, ${directRatio.toFixed(2)}×`,
    });
  } catch (err) {
    rows.push(errorRow(2, 'many files: helm secrets template', err));
  } finally {
    rmSync(sopsYaml, { force: true });
  }
  return rows;
}
