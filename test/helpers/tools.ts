// Tests that need an external tool (gpg, age, moto_server) skip locally when it is absent,
// but fail in CI (CI=true), where every tool must be installed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function hasTool(name: string): boolean {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
  return r.status === 0;
}

export function requireTool(ctx: Mocha.Context, name: string): void {
  if (hasTool(name)) return;
  if (process.env.CI === 'true') throw new Error(`required tool "${name}" is not installed (CI must not skip)`);
  ctx.skip();
}

/**
 * A fresh key pair made by the age binary (test key only, in a new temporary directory the caller removes):
 * requires `age` and `age-keygen`, like every test that talks to the binary.
 */
export function ageKeygen(ctx: Mocha.Context, prefix: string): { dir: string; keyFile: string; recipient: string } {
  requireTool(ctx, 'age');
  requireTool(ctx, 'age-keygen');
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const keyFile = join(dir, 'keys.txt');
  const r = spawnSync('age-keygen', ['-o', keyFile], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`age-keygen failed: ${r.stderr}`);
  const recipient = /# public key: (age1\S+)/.exec(readFileSync(keyFile, 'utf8'))![1]!;
  return { dir, keyFile, recipient };
}
