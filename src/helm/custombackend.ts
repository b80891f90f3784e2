// A custom secret backend: a shell script that defines helm-secrets' `_custom_backend_*` functions, sourced by
// scripts/lib/custom-backend-call.sh under bash, which first defines the helpers helm-secrets gives its backends (log,
// fatal, _mktemp, ...) and points SCRIPT_DIR / HELM_SECRETS_SCRIPT_DIR at this plugin's scripts/ (where
// lib/backends/_custom.sh, the helper for regex-driven backends, lives). The script's stdout (the plaintext) is read
// into memory; its TMPDIR is a private directory removed when the call returns; its stderr is the user's.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HelmSecretsError, printable } from '../errors.js';
import type { Backend } from './backends.js';
import { Delivery } from './deliver.js';
import { quietFromEnv } from './globalopts.js';

let scriptsDir: string | undefined;

/** This plugin's scripts/ directory: found upwards from this module (src/helm/ when run from source, dist/ built). */
export function pluginScriptsDir(): string {
  if (scriptsDir) return scriptsDir;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'scripts', 'lib', 'custom-backend-call.sh'))) return (scriptsDir = join(dir, 'scripts'));
    dir = dirname(dir);
  }
  throw new HelmSecretsError('custom secret backends need the plugin\'s scripts/lib directory, which was not found');
}

export type CustomFunction = 'is_file_encrypted' | 'decrypt_file' | 'decrypt_literal' | 'encrypt_file' | 'edit_file';

export interface CustomCall {
  env: NodeJS.ProcessEnv;
  /** The directory the script runs in (helm-secrets runs encrypt and edit in the file's directory). */
  cwd?: string;
  /** Hand the terminal to the script (edit: it runs an editor); stdout is then not captured. */
  interactive?: boolean;
  quiet?: boolean;
}

/** Runs one backend function; resolves to its exit code and (unless interactive) its stdout. */
export async function callCustom(backend: Backend, fn: CustomFunction, args: string[], call: CustomCall): Promise<{ code: number; stdout: Buffer }> {
  const scripts = pluginScriptsDir();
  const scratch = new Delivery('dir', call.env);
  const env: NodeJS.ProcessEnv = {
    ...call.env,
    SCRIPT_DIR: scripts,
    HELM_SECRETS_SCRIPT_DIR: scripts,
    TMPDIR: scratch.privateDir(),
    QUIET: call.quiet || quietFromEnv(call.env) ? 'true' : 'false',
    SECRET_BACKEND_ARGS: call.env.HELM_SECRETS_BACKEND_ARGS ?? '',
  };
  const bash = call.env.HELM_SECRETS_BASH_PATH || 'bash';
  // Loaded here, not with the module: every decrypt imports this file, few run a custom backend.
  const { spawn } = await import('node:child_process');
  try {
    return await new Promise((resolve, reject) => {
      const child = spawn(bash, [join(scripts, 'lib', 'custom-backend-call.sh'), backend.script!, fn, ...args], {
        env,
        cwd: call.cwd,
        stdio: call.interactive ? 'inherit' : ['ignore', 'pipe', 'inherit'],
      });
      const out: Buffer[] = [];
      child.stdout?.on('data', (d: Buffer) => out.push(d));
      child.once('error', (err: NodeJS.ErrnoException) => { reject(new HelmSecretsError(`cannot run the secret backend ${printable(backend.name)} with ${printable(bash)}: ${err.code ?? err.message}`)); },
      );
      child.once('close', (code, signal) => { resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out) }); });
    });
  } finally {
    scratch.wipe();
  }
}

/** _custom_backend_is_file_encrypted FILE: the script's exit status. */
export async function customIsFileEncrypted(backend: Backend, path: string, call: CustomCall): Promise<boolean> {
  return (await callCustom(backend, 'is_file_encrypted', [path], call)).code === 0;
}

/** _custom_backend_decrypt_file TYPE FILE (to stdout). */
export async function customDecryptFile(backend: Backend, type: string, path: string, call: CustomCall): Promise<Uint8Array> {
  const r = await callCustom(backend, 'decrypt_file', [type, path], call);
  if (r.code !== 0) throw new HelmSecretsError(`Error while decrypting file: ${path}`);
  return r.stdout;
}

/** _custom_backend_decrypt_literal VALUE; undefined when the script fails. */
export async function customDecryptLiteral(backend: Backend, value: string, call: CustomCall): Promise<string | undefined> {
  const r = await callCustom(backend, 'decrypt_literal', [value], call);
  return r.code === 0 ? r.stdout.toString('utf8') : undefined;
}
