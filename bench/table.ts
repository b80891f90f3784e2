// The bench's one table, as fixed-width text for the terminal and as Markdown for the README, plus the
// description of the machine the figures came from.
import { spawnSync } from 'node:child_process';
import { cpus, release, totalmem, type as osType } from 'node:os';
import type { Figure, Row } from './context.js';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  os: string;
  node: string;
  helm: string;
}

export function machine(helmPath: string | undefined): Machine {
  const helm = helmPath ? spawnSync(helmPath, ['version', '--short'], { encoding: 'utf8' }).stdout?.trim() : '';
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    os: `${osType()} ${release()}`,
    node: process.version,
    helm: helm || 'unknown',
  };
}

export function describeMachine(m: Machine): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, ${m.os}, node ${m.node}, helm ${m.helm}`;
}

function num(v: number): string {
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

export function fig(f: Figure | undefined): string {
  if (!f) return '';
  return f.unit === '×' ? `${num(f.value)}×` : `${num(f.value)} ${f.unit}`;
}

const HEAD = ['#', 'measurement', 'ours', 'reference', 'ratio', 'target', 'met'];

function cells(r: Row): string[] {
  if (r.status !== 'ok') {
    const what = r.status === 'unavailable' ? r.note ?? 'not available' : `ERROR: ${r.note ?? ''}`;
    return [String(r.case), r.name, what, '', '', r.target ?? '', ''];
  }
  const ref = r.ref ? `${fig(r.ref)} ${r.ref.name}` : '';
  let ratio = r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`;
  if (r.added !== undefined && r.ours?.unit === 'ms') ratio = `${r.added >= 0 ? '+' : ''}${num(r.added)} ms (${ratio})`;
  const met = r.met === null ? '' : r.met ? 'met' : 'MISSED';
  return [String(r.case), r.name, fig(r.ours), ref, ratio, r.target ?? '', met];
}

/** Fixed-width table, then each row's note. */
export function textTable(rows: Row[]): string {
  const body = rows.map(cells);
  const widths = HEAD.map((h, i) => Math.max(h.length, ...body.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((s, i) => s.padEnd(widths[i])).join('  ').trimEnd();
  const out = [line(HEAD), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
  const notes = rows.filter((r) => r.status === 'ok' && r.note).map((r) => `  [${r.case}] ${r.name}: ${r.note}`);
  return [...out, '', 'notes:', ...notes].join('\n');
}

export function markdownTable(rows: Row[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const out = [`| ${HEAD.join(' | ')} |`, `|${HEAD.map(() => '---').join('|')}|`];
  for (const r of rows) out.push(`| ${cells(r).map(esc).join(' | ')} |`);
  const notes = rows.filter((r) => r.status === 'ok' && r.note).map((r) => `- **${r.case}. ${esc(r.name)}**: ${esc(r.note!)}`);
  return [...out, '', ...notes].join('\n');
}
