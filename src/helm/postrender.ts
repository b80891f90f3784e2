// --evaluate-templates: references (`ref+…://`) in the manifests helm renders are resolved after rendering, by a
// post-renderer: on helm 3 this plugin's own launcher as `--post-renderer` executable, on helm 4 the
// `secrets-post-renderer` plugin (plugins/helm-secrets-post-renderer, type postrenderer/v1: helm appends the
// --post-renderer-args to its command, writes the manifests to its stdin and reads them from its stdout). Both run
// `helm-secrets --backend NAME [--backend-args A] [--evaluate-templates-decode-secrets] post-renderer`, as
// helm-secrets does. The resolved manifests go from memory to helm's pipe, nowhere else.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { HelmSecretsError, asSopsError } from '../errors.js';
import { readAllStdin } from '../io.js';
import { loadBackend } from './backends.js';
import { pluginScriptsDir } from './custombackend.js';
import { pluginsDir } from './getters.js';
import { parseYaml } from '../config/yamlvalue.js';
import { runBackendName } from '../config/runbackend.js';
import { writeStderr, writeStdout } from '../stdio.js';

export const POST_RENDERER_PLUGIN = 'secrets-post-renderer';

const isTrue = (v: string | undefined) => (v ?? '').toLowerCase() === 'true';

/** helm's major version, from `helm version --short` (as helm-secrets asks it). */
export function helmMajor(helm: string, env: NodeJS.ProcessEnv): number {
  const r = spawnSync(helm, ['version', '--short'], { env, encoding: 'utf8' });
  const m = /^v(\d+)\./.exec((r.stdout ?? '').trim());
  if (!m) throw new HelmSecretsError(`Unsupported helm version: ${(r.stdout ?? '').trim() || (r.error?.message ?? 'no output')}`);
  return Number(m[1]);
}

/** Whether helm has a postrenderer/v1 plugin of that name installed (helm 4). */
function hasPostRendererPlugin(env: NodeJS.ProcessEnv): boolean {
  for (const dir of pluginsDir(env).split(delimiter).filter(Boolean)) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names) {
      try {
        const doc = parseYaml(readFileSync(join(dir, n, 'plugin.yaml'), 'utf8')) as { name?: unknown; type?: unknown } | null;
        if (doc && doc.name === POST_RENDERER_PLUGIN && doc.type === 'postrenderer/v1') return true;
      } catch {
        /* not a plugin helm can load either */
      }
    }
  }
  return false;
}

/** What --evaluate-templates adds to a helm run: the arguments, and whether helm 4 must be offered the shipped plugin. */
export interface PostRender {
  args: string[];
  /** helm 4 has no secrets-post-renderer installed: offerPostRenderer() must run before helm does. */
  offerShipped: boolean;
}

/** The post-renderer plugin this plugin ships (plugins/helm-secrets-post-renderer). */
function shippedPlugin(): string {
  return join(pluginScriptsDir(), '..', 'plugins', 'helm-secrets-post-renderer');
}

/** The arguments the wrapper appends to helm's command line for --evaluate-templates. */
export async function postRendererArgs(env: NodeJS.ProcessEnv): Promise<PostRender> {
  // The post-renderer resolves with the vals backend, whatever the run's backend: that one must be allowed too.
  loadBackend('vals', env);
  const helm = env.HELM_SECRETS_HELM_PATH || env.HELM_BIN || 'helm';
  const inner = ['--backend', runBackendName(env)];
  if (env.HELM_SECRETS_BACKEND_ARGS) inner.push('--backend-args', env.HELM_SECRETS_BACKEND_ARGS);
  if (isTrue(env.HELM_SECRETS_EVALUATE_TEMPLATES_DECODE_SECRETS)) inner.push('--evaluate-templates-decode-secrets');
  inner.push('post-renderer');
  const args = inner.flatMap((a) => ['--post-renderer-args', a]);
  if (helmMajor(helm, env) >= 4) {
    const installed = hasPostRendererPlugin(env);
    if (!installed && !existsSync(join(shippedPlugin(), 'plugin.yaml'))) {
      throw new HelmSecretsError(`--evaluate-templates on helm 4 needs the ${POST_RENDERER_PLUGIN} plugin: helm plugin install ${shippedPlugin()}`);
    }
    return { args: ['--post-renderer', POST_RENDERER_PLUGIN, ...args], offerShipped: !installed };
  }
  const launcher = join(pluginScriptsDir(), process.platform === 'win32' ? 'plugin-entry.cmd' : 'plugin-entry');
  return { args: ['--post-renderer', launcher, ...args], offerShipped: false };
}

/**
 * Offers the shipped post-renderer to one helm 4 run, installing nothing: `privateDir` (the run's private
 * directory, wiped after helm) gets a plugins directory that links only to it, and HELM_PLUGINS, which helm 4 reads
 * as a path list, gains that directory in `env`, the child's environment.
 */
export function offerPostRenderer(env: NodeJS.ProcessEnv, privateDir: string): void {
  const dir = join(privateDir, 'helm-plugins');
  mkdirSync(dir, { mode: 0o700 });
  symlinkSync(shippedPlugin(), join(dir, POST_RENDERER_PLUGIN), 'dir');
  env.HELM_PLUGINS = [pluginsDir(env), dir].join(delimiter);
}

/** `post-renderer`: manifests on stdin, resolved manifests on stdout; exit 1 with one line naming the reference. */
export async function runPostRenderer(env: NodeJS.ProcessEnv): Promise<number> {
  try {
    loadBackend('vals', env);
    const input = await readAllStdin();
    const { valsEvalManifests } = await import('./vals.js');
    const out = await valsEvalManifests(input.toString('utf8'), isTrue(env.HELM_SECRETS_EVALUATE_TEMPLATES_DECODE_SECRETS), env);
    await writeStdout(out);
    return 0;
  } catch (err) {
    writeStderr(`[helm-secrets] ${asSopsError(err).oneLine()}\n`);
    return 1;
  }
}
