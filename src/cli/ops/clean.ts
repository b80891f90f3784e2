// clean [DIR...]: removes decrypted files (name ends with HELM_SECRETS_DEC_SUFFIX, default .dec) left by `dec`,
// the temporary files of atomic writes whose process was killed before the rename (`dec -i` leaves plaintext there),
// the lock files of read-modify-write commands that were killed (`.NAME.helm-secrets-lock`, when their process is
// gone) and the private temp directories of wrapper runs that were killed before they could wipe them.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { atomicTempOwner } from '../../io.js';
import { LOCK_SUFFIX, removeStaleLock } from '../../lock.js';
import { info, reportError } from '../console.js';
import { HelmSecretsError, OwnCheck } from '../../errors.js';
import { decSuffix } from '../../helm/resolve.js';

async function* walk(dir: string): AsyncGenerator<string> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name === '.git' || e.name === 'node_modules') continue;
      yield* walk(p);
    } else if (e.isFile()) {
      yield p;
    }
  }
}

/** Whether a process with this pid exists (EPERM: it exists but is someone else's). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function runClean(dirs: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const suffix = decSuffix(env);
  const prefix = env.HELM_SECRETS_DEC_PREFIX ?? '';
  let removed = 0;
  let temps = 0;
  try {
    const roots = dirs.length ? dirs : ['.'];
    // A directory that is not there is a mistake (a typo, the wrong checkout), not "nothing to clean".
    for (const dir of roots) {
      const st = await fs.stat(dir).catch(() => undefined);
      if (!st) throw OwnCheck.noDirectory(dir);
      if (!st.isDirectory()) throw new HelmSecretsError(`Not a directory: ${dir}`);
    }
    for (const dir of roots) {
      for await (const file of walk(dir)) {
        const name = file.slice(file.lastIndexOf('/') + 1);
        if (name.endsWith(suffix) && name.startsWith(prefix)) {
          await fs.rm(file, { force: true });
          info(`Removed ${file}`);
          removed++;
        } else if (name.startsWith('.') && name.endsWith(LOCK_SUFFIX)) {
          if (await removeStaleLock(file)) {
            info(`Removed ${file} (the lock of an interrupted command)`);
            temps++;
          }
        } else {
          const owner = atomicTempOwner(name);
          if (owner !== undefined && !alive(owner)) {
            await fs.rm(file, { force: true });
            info(`Removed ${file} (left by an interrupted write)`);
            temps++;
          }
        }
      }
    }
    const { cleanStaleDirs } = await import('../../helm/cleanup.js');
    const stale = await cleanStaleDirs();
    if (stale) info(`Removed ${stale} stale temporary director${stale === 1 ? 'y' : 'ies'} of interrupted runs`);
    info(`Clean: ${removed} decrypted file${removed === 1 ? '' : 's'} removed` + (temps ? `, ${temps} temporary file${temps === 1 ? '' : 's'} of interrupted writes` : ''));
    return 0;
  } catch (err) {
    return reportError(err);
  }
}
