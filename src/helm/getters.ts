// Which values references helm fetches through a getter and which it reads from disk. helm parses the reference as
// a URL (Go's url.Parse, scheme lower-cased) and asks its getters for that scheme: http and https and oci are built
// in, getter plugins add theirs (`downloaders[].protocols` in a helm 3 plugin.yaml, `config.protocols` in a helm 4
// getter/v1 one). With no getter for the scheme, helm reads the reference as a local path: `foo://../x.yaml` is the
// file ../x.yaml below a directory named `foo:`. Such references must get the local path guards.
import { readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseYaml } from '../config/yamlvalue.js';

const BUILT_IN = ['http', 'https', 'oci'];

/** Go's url.Parse scheme: letters first, then letters, digits, + - . up to the first ':'; lower-cased. */
export function goUrlScheme(spec: string): string | undefined {
  return /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(spec)?.[1]?.toLowerCase();
}

/** helm's plugins directory: HELM_PLUGINS (set by helm for its plugins), else helm's default data home. */
export function pluginsDir(env: NodeJS.ProcessEnv): string {
  if (env.HELM_PLUGINS) return env.HELM_PLUGINS;
  if (env.HELM_DATA_HOME) return join(env.HELM_DATA_HOME, 'plugins');
  const home = env.HOME || homedir();
  if (process.platform === 'darwin') return join(home, 'Library', 'helm', 'plugins');
  if (process.platform === 'win32') return join(env.APPDATA || join(home, 'AppData', 'Roaming'), 'helm', 'plugins');
  return join(env.XDG_DATA_HOME || join(home, '.local', 'share'), 'helm', 'plugins');
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** The protocols the installed getter plugins declare. Unreadable plugins add nothing (helm skips them too). */
function pluginSchemes(env: NodeJS.ProcessEnv): Set<string> {
  const out = new Set<string>();
  const dirs = pluginsDir(env)
    .split(process.platform === 'win32' ? ';' : ':')
    .filter(Boolean);
  for (const dir of dirs) {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of entries) {
      let doc: unknown;
      try {
        doc = parseYaml(readFileSync(join(dir, name, 'plugin.yaml'), 'utf8'));
      } catch {
        continue;
      }
      if (!doc || typeof doc !== 'object') continue;
      const d = doc as { downloaders?: unknown; type?: unknown; config?: { protocols?: unknown } };
      if (Array.isArray(d.downloaders)) for (const dl of d.downloaders) for (const p of strings((dl as { protocols?: unknown })?.protocols)) out.add(p);
      if (d.type === 'getter/v1') for (const p of strings(d.config?.protocols)) out.add(p);
    }
  }
  return out;
}

/** Whether helm would fetch `spec` through a getter (true) rather than read it as a local path (false). */
export function helmHasGetter(spec: string, env: NodeJS.ProcessEnv): boolean {
  const scheme = goUrlScheme(spec);
  if (scheme === undefined) return false;
  if (BUILT_IN.includes(scheme)) return true;
  return pluginSchemes(env).has(scheme);
}
