// check [PATHS]: finds what should not be committed — plaintext files that a creation rule says must be
// encrypted, plain values where the file's rule wants ciphertext, MACs that fail, tracked decrypted files.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { basename, relative, resolve, sep } from 'node:path';
import { openEncrypted, isSopsEncrypted, readMetadata } from '../../engine.js';
import { ExitCode, asSopsError, printable } from '../../errors.js';
import { isEncrypted } from '../../sops/cipher.js';
import { splitMetadata } from '../../sops/metadata.js';
import { metadataKeyOf, storeNameFor } from '../../sops/store.js';
import { getStore } from '../../sops/stores/index.js';
import { Mapping, type Value } from '../../sops/tree.js';
import { encryptBranches } from '../../sops/walk.js';
import { formatPath, type PathStep } from '../../sops/treepath.js';
import { cloneBranches } from '../../edit/treeops.js';
import { info } from '../console.js';
import { decSuffix } from '../../helm/resolve.js';
import { walk } from './tree.js';
import { writeStderr } from '../../stdio.js';


export interface Finding {
  file: string;
  kind: 'not-encrypted' | 'plain-value' | 'mac' | 'decrypted-file' | 'invalid' | 'no-key';
  detail: string;
}

function git(args: string[], cwd: string): string | null {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return r.status === 0 ? r.stdout : null;
}

interface FileSet {
  files: string[];
  /** Files tracked by git (for decrypted-artefact findings); null outside a repository. */
  tracked: Set<string> | null;
}

function collect(paths: string[], cwd: string): FileSet {
  const top = git(['rev-parse', '--show-toplevel'], cwd)?.trim();
  const files: string[] = [];
  let tracked: Set<string> | null = null;
  // Paths inside the repository: what git tracks or would track. Paths outside it (git lists nothing there, which
  // used to pass them silently): every file below them.
  const inside = top ? paths.filter((p) => !relative(top, resolve(cwd, p)).startsWith('..')) : [];
  const outside = paths.filter((p) => !inside.includes(p));
  if (top && inside.length > 0) {
    const list = (args: string[]) => (git(['ls-files', '-z', ...args, '--', ...inside], cwd) ?? '').split('\0').filter(Boolean).map((f) => resolve(cwd, f));
    const t = list(['--cached']);
    const others = list(['--others', '--exclude-standard']);
    tracked = new Set(t);
    for (const f of new Set([...t, ...others])) {
      try {
        if (statSync(f).isFile()) files.push(f);
      } catch {
        // listed by git but gone from the work tree
      }
    }
  }
  for (const p of outside) {
    const abs = resolve(cwd, p);
    const st = statSync(abs);
    if (st.isDirectory()) walk(abs, files);
    else files.push(abs);
  }
  return { files, tracked };
}

/** Whether a creation rule with a path_regex matches `file` (relative to the config's directory, as sops matches). */
async function requiredByRule(file: string, cwd: string, env: NodeJS.ProcessEnv, configPath?: string): Promise<string | null> {
  const { configFor, loadConfig } = await import('../../config/config.js');
  const { goRegex } = await import('../../sops/goregex.js');
  const cfgPath = configFor(file, cwd, env, configPath);
  if (!cfgPath) return null;
  const cfg = loadConfig(cfgPath);
  const dir = resolve(cfgPath, '..');
  const rel = file.startsWith(dir + sep) ? file.slice(dir.length + 1) : file;
  for (const r of cfg.creationRules ?? []) {
    if (r.pathRegex === '') return null; // a catch-all rule first: no requirement from a later rule
    const re = goRegex(r.pathRegex);
    if (re?.test(rel)) return r.pathRegex;
  }
  return null;
}

/** Paths of leaves the rule selects for encryption that hold clear values (found without any key). */
function plainValues(store: Awaited<ReturnType<typeof getStore>>, bytes: Uint8Array): string[] {
  const branches = store.loadEncrypted(bytes);
  const meta = splitMetadata(branches, metadataKeyOf(store.name));
  if (!meta) return [];
  const md = readMetadata(meta);
  const rule = store.name === 'binary' ? null : md.rule;
  // Encrypting a copy with a throwaway key marks every selected leaf: a selected leaf that was not already
  // ciphertext is a plain value.
  const probe = cloneBranches(branches);
  encryptBranches(probe, { dataKey: new Uint8Array(32), rule, macOnlyEncrypted: md.macOnlyEncrypted });
  const found: string[] = [];
  const visit = (orig: Value, sealed: Value, path: PathStep[]) => {
    if (orig instanceof Mapping && sealed instanceof Mapping) {
      orig.items.forEach((it, i) => {
        if (typeof it.key === 'string') visit(it.value, sealed.items[i].value, [...path, it.key]);
      });
    } else if (Array.isArray(orig) && Array.isArray(sealed)) {
      orig.forEach((v, i) => { visit(v, sealed[i], [...path, i]); });
    } else if (orig !== sealed && !(typeof orig === 'string' && isEncrypted(orig))) {
      if (typeof sealed === 'string' && isEncrypted(sealed)) found.push(formatPath(path));
    }
  };
  branches.forEach((b, i) => { visit(b, probe[i], []); });
  return found;
}

async function checkFile(
  file: string,
  display: string,
  opts: { cwd: string; env: NodeJS.ProcessEnv; configPath?: string; mac: boolean; requireKeys: boolean },
  out: Finding[],
): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch {
    return;
  }
  const encrypted = isSopsEncrypted(bytes, file);
  if (!encrypted) {
    const rule = await requiredByRule(file, opts.cwd, opts.env, opts.configPath);
    if (rule !== null) out.push({ file: display, kind: 'not-encrypted', detail: `matches creation rule path_regex ${JSON.stringify(rule)} but is not encrypted` });
    return;
  }
  const store = await getStore(storeNameFor(file));
  try {
    for (const p of plainValues(store, bytes)) out.push({ file: display, kind: 'plain-value', detail: `${p} must be encrypted by the file's rule but is in clear text` });
  } catch (err) {
    out.push({ file: display, kind: 'invalid', detail: asSopsError(err).message.split('\n')[0] });
    return;
  }
  if (!opts.mac) return;
  try {
    await openEncrypted(bytes, file, { env: opts.env, cwd: opts.cwd });
  } catch (err) {
    const e = asSopsError(err);
    if (e.code === ExitCode.CouldNotRetrieveKey) {
      if (opts.requireKeys) out.push({ file: display, kind: 'no-key', detail: 'no available key can decrypt it, MAC not verified' });
      else info(`note: ${display}: no available key, MAC not verified`);
    } else if (e.code === ExitCode.MacMismatch) {
      out.push({ file: display, kind: 'mac', detail: 'MAC does not verify: the file was changed without its key, or is corrupt' });
    } else if (e.code === ExitCode.ErrorDecryptingTree) {
      // Plain values are already reported above; anything else that fails to decrypt is a finding of its own.
      if (!out.some((f) => f.file === display && f.kind === 'plain-value')) out.push({ file: display, kind: 'mac', detail: `does not decrypt: ${e.message.split('\n')[0]}` });
    } else out.push({ file: display, kind: 'invalid', detail: e.message.split('\n')[0] });
  }
}

export async function check(paths: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; configPath?: string; mac?: boolean; requireKeys?: boolean }): Promise<Finding[]> {
  const cwd = opts.cwd;
  const { files, tracked } = collect(paths.length ? paths : ['.'], cwd);
  const out: Finding[] = [];
  const prefix = opts.env.HELM_SECRETS_DEC_PREFIX ?? '';
  const suffix = decSuffix(opts.env);
  for (const file of files.sort()) {
    const display = relative(cwd, file) || file;
    const name = basename(file);
    const isDec = (suffix !== '' && name.endsWith(suffix) && (prefix === '' || name.startsWith(prefix))) || (suffix === '' && prefix !== '' && name.startsWith(prefix));
    if (isDec) {
      if (tracked?.has(file)) out.push({ file: display, kind: 'decrypted-file', detail: `decrypted artefact (${prefix ? `prefix ${prefix} ` : ''}suffix ${suffix}) is tracked by git` });
      continue;
    }
    await checkFile(file, display, { cwd, env: opts.env, configPath: opts.configPath, mac: opts.mac ?? true, requireKeys: !!opts.requireKeys }, out);
  }
  return out;
}

/** check PATH...: prints each finding (file, kind, detail; never a value); exit 1 when there is any. */
export async function runCheck(paths: string[], opts: { env: NodeJS.ProcessEnv; configPath?: string; mac: boolean; requireKeys: boolean }): Promise<number> {
  const findings = await check(paths, { cwd: process.cwd(), ...opts });
  for (const f of findings) process.stdout.write(`${printable(f.file)}: ${f.kind}: ${printable(f.detail)}\n`);
  if (findings.length) {
    writeStderr(`[helm-secrets] check: ${findings.length} finding(s)\n`);
    return 1;
  }
  info('check: no findings');
  return 0;
}
