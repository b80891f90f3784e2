// `helm secrets <helm command> …`: decrypts the sops-encrypted values files on the command line (all at once),
// hands the plaintext to one helm process without touching a persistent disk, and passes helm's result through.
import { spawn } from 'node:child_process';
import { constants as osc } from 'node:os';
import { asSopsError, printable } from '../errors.js';
import { findFileRefs, rewriteArgs, type FileRef } from './args.js';
import { cleanStaleDirs } from './cleanup.js';
import { chooseMode, Delivery } from './deliver.js';
import { resolveSource, type Outcome } from './resolve.js';
import { parseSource, type Source } from './source.js';
import { quietFromEnv, takeGlobalOption } from './globalopts.js';
import { redactUrl } from '../redact.js';
import { helmEnvironment } from './childenv.js';
import { backendDecryptOptions } from '../config/backendargs.js';
import { tlsFromHelmArgs } from './tlsflags.js';
import { defaultBackend } from './backends.js';
import { resolveLiterals } from './literals.js';
import { offerPostRenderer, postRendererArgs, type PostRender } from './postrender.js';
import { writeStderr } from '../stdio.js';

export interface HelmCommandOptions {
  quiet?: boolean;
  env?: NodeJS.ProcessEnv;
}

export function helmCommandUsage(cmd: string): string {
  return `helm secrets [ OPTIONS ] ${cmd}

This is a wrapper for "helm [command]". It will detect -f and
--values options (and --set-file), and decrypt any sops-encrypted files before
running "helm [command]". The plaintext is handed to helm through a pipe (or a
private temporary directory) and never written next to your files.

Example:
  $ helm secrets <HELM SECRETS OPTIONS> upgrade <HELM UPGRADE OPTIONS>
  $ helm secrets <HELM SECRETS OPTIONS> lint <HELM LINT OPTIONS>

Typical usage:
  $ helm secrets upgrade i1 stable/nginx-ingress -f values.test.yaml -f secrets.test.yaml
  $ helm secrets template ./my-chart -f values.yaml -f secrets://secrets.yaml
`;
}

const isHelp = (a: string | undefined) => a === '-h' || a === '--help' || a === 'help';
const isTrue = (v: string | undefined) => (v ?? '').toLowerCase() === 'true';

/** helm-secrets's global options that may still precede the helm command (src/helm/globalopts.ts reads them). */
function leadingOptions(argv: string[], env: NodeJS.ProcessEnv): { rest: string[]; quiet: boolean } {
  const run = { quiet: false };
  let i = 0;
  for (let took; i < argv.length && (took = takeGlobalOption(argv, i, env, run)) > 0; ) i += took;
  return { rest: argv.slice(i), quiet: run.quiet };
}

function say(quiet: boolean, msg: string): void {
  if (!quiet) writeStderr(`[helm-secrets] ${printable(msg)}\n`);
}

/** A path as it must be written inside the argument it replaces a file name in. */
function escapeFor(ref: FileRef, path: string): string {
  if (ref.kind === 'set-file') return path.replace(/\\/g, '\\\\').replace(/,/g, '\\,');
  return /[",]/.test(path) ? `"${path.replace(/"/g, '""')}"` : path;
}

function sourceName(src: Source): string {
  switch (src.type) {
    case 'local':
      return src.path;
    case 'http':
      return redactUrl(src.url);
    case 'literal':
      return 'secrets+literal://';
    case 'other':
      return redactUrl(src.spec);
  }
}

/** Runs `helm <argv>` with encrypted values decrypted; resolves to the exit code to leave with. */
export async function runHelmCommand(argv: string[], opts: HelmCommandOptions = {}): Promise<number> {
  const env = opts.env ?? process.env;
  let lead: { rest: string[]; quiet: boolean };
  try {
    defaultBackend(env);
    lead = leadingOptions([...argv], env);
  } catch (err) {
    writeStderr(`[helm-secrets] ${asSopsError(err).oneLine()}\n`);
    return 1;
  }
  const args = lead.rest;
  const quiet =
    !!opts.quiet || lead.quiet || quietFromEnv(env);

  if (args.length === 0 || isHelp(args[0])) {
    process.stdout.write(helmCommandUsage('[helm command]'));
    return 0;
  }
  if (args.length < 2 || isHelp(args[1])) {
    process.stdout.write(helmCommandUsage(args[0]));
    return 0;
  }
  let postRender: PostRender = { args: [], offerShipped: false };
  try {
    // helm-secrets renders first and resolves the references in the manifests after, in a post-renderer.
    if (isTrue(env.HELM_SECRETS_EVALUATE_TEMPLATES)) postRender = await postRendererArgs(env);
  } catch (err) {
    writeStderr(`[helm-secrets] ${asSopsError(err).oneLine()}\n`);
    return 1;
  }

  try {
    // Backend arguments that do not apply are refused before anything runs, encrypted values or not.
    backendDecryptOptions(env, `helm ${args[0]}`);
  } catch (err) {
    const e = asSopsError(err);
    writeStderr(`[helm-secrets] Error: ${e.oneLine()}\n`);
    return e.code;
  }

  const helm = env.HELM_SECRETS_HELM_PATH || env.HELM_BIN || 'helm';
  const delivery = new Delivery(chooseMode(env, helm), env);
  const wipeAtExit = () => { delivery.wipe(); };
  process.once('exit', wipeAtExit);
  // One set of handlers for the whole run: before helm runs, a signal would otherwise kill us without 'exit'
  // handlers (the private directory stays); while it runs, the signal goes to helm. Swapping handlers at spawn
  // time would drop a signal that arrives in between.
  let forward: ((sig: NodeJS.Signals) => void) | undefined;
  const early = FORWARDED.map((sig) => {
    const h = () => { if (forward) forward(sig); else process.exit(128 + osc.signals[sig]); };
    process.on(sig, h);
    return () => process.removeListener(sig, h);
  });
  const dropEarly = () => { early.forEach((drop) => drop()); };
  // Private directories that killed runs left behind are removed while helm runs (see below), off the path to it.
  const cleanStale = () => cleanStaleDirs().catch(() => 0);

  let helmArgv: string[];
  try {
    const refs = findFileRefs(args);
    const sources = refs.map((r) => parseSource(r.kind === 'set-file' ? r.spec.replace(/\\(.)/g, '$1') : r.spec));
    const tls = tlsFromHelmArgs(args);
    const outcomes: Outcome[] = await Promise.all(
      sources.map((src, i) =>
        resolveSource(src, {
          env,
          kind: refs[i].kind,
          reuseDecrypted: true,
          keyDir: async () => delivery.privateDir(),
          warn: (msg) => { say(quiet, `Warning: ${msg}`); },
          tls,
          fileType: refs[i].kind === 'values' ? 'yaml' : 'auto',
        }),
      ),
    );
    const replacement = new Map<FileRef, string>();
    outcomes.forEach((o, i) => {
      const ref = refs[i];
      const name = sourceName(sources[i]);
      if (o.action === 'keep') return;
      if (o.action === 'path') {
        if (o.skipped) say(quiet, `Decrypt skipped: ${name}`);
        if (o.path !== ref.spec) replacement.set(ref, escapeFor(ref, o.path));
        return;
      }
      replacement.set(ref, escapeFor(ref, delivery.add(name, o.bytes)));
      if (o.decrypted) say(quiet, `Decrypt: ${name}`);
      else if (o.skipped) say(quiet, `Decrypt skipped: ${name}`);
    });
    helmArgv = rewriteArgs(args, refs, replacement);
    helmArgv = await resolveLiterals(helmArgv, { env, kind: 'values', reuseDecrypted: true, keyDir: async () => delivery.privateDir(), warn: (msg) => { say(quiet, `Warning: ${msg}`); }, tls }, (key, bytes) =>
      escapeFor({ kind: 'set-file' } as FileRef, delivery.add(key, bytes)),
    );
    helmArgv.push(...postRender.args);
  } catch (err) {
    await cleanStale();
    dropEarly();
    delivery.wipe();
    process.removeListener('exit', wipeAtExit);
    const e = asSopsError(err);
    writeStderr(`[helm-secrets] ${e.oneLine()}\n`);
    return e.code;
  }

  // The post-renderer resolves references with the user's credentials (VAULT_TOKEN, ...): helm passes them on.
  const childEnv = postRender.args.length ? env : helmEnvironment(env, helmArgv);
  if (postRender.offerShipped) {
    try {
      offerPostRenderer(childEnv, delivery.privateDir());
    } catch (err) {
      dropEarly();
      delivery.wipe();
      process.removeListener('exit', wipeAtExit);
      writeStderr(`[helm-secrets] ${asSopsError(err).oneLine()}\n`);
      return 1;
    }
  }
  const running = runHelm(helm, helmArgv, childEnv, delivery, (f) => (forward = f));
  const stale = cleanStale();
  const code = await running;
  await stale;
  dropEarly();
  delivery.wipe();
  process.removeListener('exit', wipeAtExit);
  return code;
}

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Starts helm once, has `setForward` route SIGINT/SIGTERM/SIGHUP to it, and resolves to its exit code (128+n if killed by signal n). */
function runHelm(
  helm: string,
  argv: string[],
  env: NodeJS.ProcessEnv,
  delivery: Delivery,
  setForward: (f: ((sig: NodeJS.Signals) => void) | undefined) => void,
): Promise<number> {
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(helm, argv, { stdio: delivery.stdio(), env, windowsHide: false });
    } catch (err) {
      writeStderr(`[helm-secrets] cannot run helm (${printable(helm)}): ${printable((err as Error).message)}\n`);
      resolve(1);
      return;
    }
    let received: NodeJS.Signals | undefined;
    setForward((sig) => {
      received = sig;
      try {
        child.kill(sig);
      } catch {
        /* already gone */
      }
    });
    const done = (code: number) => {
      setForward(undefined);
      resolve(code);
    };
    child.once('error', (err: NodeJS.ErrnoException) => {
      writeStderr(`[helm-secrets] cannot run helm (${printable(helm)}): ${printable(err.code ?? err.message)}\n`);
      done(err.code === 'ENOENT' ? 127 : 1);
    });
    child.once('spawn', () => { delivery.feed(child); });
    child.once('exit', (code, signal) => {
      if (code !== null) done(code);
      else if (signal) done(128 + (osc.signals[signal] ?? 1));
      else done(received ? 128 + osc.signals[received] : 1);
    });
  });
}
