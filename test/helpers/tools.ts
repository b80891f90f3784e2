// Tests that need an external tool (gpg, age, moto_server) skip locally when it is absent,
// but fail in CI (CI=true), where every tool must be installed.
import { spawnSync } from 'node:child_process';

export function hasTool(name: string): boolean {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
  return r.status === 0;
}

export function requireTool(ctx: Mocha.Context, name: string): void {
  if (hasTool(name)) return;
  if (process.env.CI === 'true') throw new Error(`required tool "${name}" is not installed (CI must not skip)`);
  ctx.skip();
}
