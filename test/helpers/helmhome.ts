// A throwaway helm home with both plugins (secrets and secrets-getter) installed from this checkout by the real helm
// (3.18 or 4.1.4 from .helm/), for tests that need helm's own plugin dispatch; skipped locally when helm is absent.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HELM, ROOT } from './paths.js';

export type HelmVersion = keyof typeof HELM;

export interface HelmHome {
  helm: string;
  dir: string;
  /** HELM_DATA_HOME/CONFIG/CACHE for this home; merge into a test environment. */
  env: NodeJS.ProcessEnv;
  remove(): void;
}

/** Installs both plugins into a new helm home; `ctx.skip()`s when the binary is missing (fails under CI). */
export function helmHome(ctx: Mocha.Context, version: HelmVersion, baseEnv: NodeJS.ProcessEnv): HelmHome {
  const helm = HELM[version];
  if (!existsSync(helm)) {
    if (process.env.CI === 'true') throw new Error(`${helm} is missing: npm ci extracts it (CI must not skip)`);
    ctx.skip();
  }
  const dir = mkdtempSync(join(tmpdir(), `hs-helmhome-${version}-`));
  const env: NodeJS.ProcessEnv = { HELM_DATA_HOME: join(dir, 'data'), HELM_CONFIG_HOME: join(dir, 'config'), HELM_CACHE_HOME: join(dir, 'cache') };
  const full = { ...baseEnv, ...env };
  delete full.HELM_PLUGINS;
  for (const plugin of [ROOT, join(ROOT, 'plugins/helm-secrets-getter')]) {
    const r = spawnSync(helm, ['plugin', 'install', plugin], { env: full, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`helm plugin install ${plugin}: ${r.stdout}${r.stderr}`);
  }
  return { helm, dir, env, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
