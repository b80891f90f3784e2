// go-yaml v3 as a test oracle: builds test/oracle/goyaml-batch.go (Debian's golang-go and gopkg.in/yaml.v3, offline,
// GOPATH mode) once per source version into .tmp/, then answers many inputs per process.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './paths.js';
import { hasTool } from './tools.js';
import { Comment, Mapping, SopsTime, type Branches, type Value } from '../../src/sops/tree.js';

export interface GoNode {
  k: 'document' | 'sequence' | 'mapping' | 'scalar' | 'alias';
  t?: string;
  st?: number;
  v?: string;
  a?: string;
  l: number;
  c: number;
  hc?: string;
  lc?: string;
  fc?: string;
  ch?: GoNode[];
  go?: { type: string; v: string };
  de?: string;
}

export interface GoResult {
  check: string;
  docs: GoNode[];
  error: string;
  panic?: string;
}

const SOURCE = join(ROOT, 'test', 'oracle', 'goyaml-batch.go');
const YAML_V3 = '/usr/share/gocode/src/gopkg.in/yaml.v3';

/** Path of the built oracle; throws with the missing package's name when it cannot be built. */
export function goyamlOracle(): string {
  const hash = createHash('sha256').update(readFileSync(SOURCE)).digest('hex').slice(0, 12);
  const out = join(ROOT, '.tmp', `goyaml-batch-${hash}`);
  if (existsSync(out)) return out;
  if (!hasTool('go')) throw new Error('the go-yaml oracle needs Go: install the Debian package golang-go');
  if (!existsSync(YAML_V3)) throw new Error('the go-yaml oracle needs yaml.v3: install the Debian package golang-gopkg-yaml.v3-dev');
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  const work = mkdtempSync(join(ROOT, '.tmp', 'build-goyaml-'));
  try {
    const pkg = join(work, 'src', 'goyaml-batch');
    mkdirSync(pkg, { recursive: true });
    copyFileSync(SOURCE, join(pkg, 'main.go'));
    const r = spawnSync('go', ['build', '-trimpath', '-o', join(work, 'bin'), '.'], {
      cwd: pkg,
      encoding: 'utf8',
      env: {
        ...process.env,
        GO111MODULE: 'off',
        GOPROXY: 'off',
        GOFLAGS: '',
        GOPATH: `${work}:/usr/share/gocode`,
        GOCACHE: join(work, 'cache'),
        CGO_ENABLED: '0',
      },
    });
    if (r.status !== 0) throw new Error(`building the go-yaml oracle failed: ${r.stderr}`);
    renameSync(join(work, 'bin'), out);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return out;
}

function frame(inputs: readonly Uint8Array[]): Buffer {
  const parts: Buffer[] = [];
  for (const b of inputs) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    parts.push(len, Buffer.from(b));
  }
  return Buffer.concat(parts);
}

function ask<T>(args: string[], inputs: readonly Uint8Array[]): T[] {
  const r = spawnSync(goyamlOracle(), args, { input: frame(inputs), maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`the go-yaml oracle failed: ${String(r.stderr)}`);
  const lines = String(r.stdout).split('\n');
  lines.pop();
  if (lines.length !== inputs.length) throw new Error(`the go-yaml oracle answered ${lines.length} of ${inputs.length} inputs`);
  return lines.map((l) => JSON.parse(l) as T);
}

/** go-yaml's reading of each input, in order. */
export function goyaml(inputs: readonly Uint8Array[]): GoResult[] {
  return ask<GoResult>([], inputs);
}

type JTree = Record<string, unknown>;

function jvalue(v: Value): JTree {
  if (v instanceof Mapping) return v.items.length === 0 ? { em: true } : { m: jbranch(v) };
  if (Array.isArray(v)) {
    if (v.length === 0) return { el: true };
    return { l: v.map((x) => (x instanceof Comment ? { c: x.text, in: x.inline } : { v: jvalue(x) })) };
  }
  if (v === null) return { n: true };
  if (typeof v === 'string') return { s: v };
  if (typeof v === 'bigint') return { i: String(v) };
  // (String(-0) is "0": the sign of a negative zero, which yaml.v3 writes as -0, must reach the oracle.)
  if (typeof v === 'number') return { f: Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : Object.is(v, -0) ? '-0' : String(v) };
  if (typeof v === 'boolean') return { b: v };
  if (v instanceof SopsTime) return { t: v.text };
  if (v instanceof Uint8Array) return { y: Buffer.from(v).toString('base64') };
  throw new Error('unexpected tree value');
}

function jbranch(m: Mapping): unknown[] {
  return m.items.map((it) => (it.key instanceof Comment ? { c: it.key.text, in: it.key.inline, k: '' } : { k: it.key, v: jvalue(it.value) }));
}

/** What sops's YAML store writes for each tree at `indent`, through yaml.v3's encoder. */
export function goyamlEmit(trees: readonly Branches[], indent: number): { out: string; error: string }[] {
  const enc = new TextEncoder();
  return ask(['-emit', String(indent)], trees.map((t) => enc.encode(JSON.stringify(t.map(jbranch)))));
}
