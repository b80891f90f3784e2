// HELM_SECRETS_LOAD_GPG_KEYS (helm-secrets, mostly for Argo CD): key files or directories, separated by spaces,
// whose PGP keys may decrypt this run. helm-secrets imports them into a throwaway GNUPGHOME; here they are added to
// SOPS_PGP_KEY_FILE for the openpgp.js path, so no keyring, agent or extra copy of a private key is made, and the
// user's own gpg is still asked first.
import { readdirSync, statSync, type Stats } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ExitCode, SopsError } from '../errors.js';

export const LOAD_GPG_KEYS = 'HELM_SECRETS_LOAD_GPG_KEYS';

/** The key files a HELM_SECRETS_LOAD_GPG_KEYS value names: files as given, directories by their visible files, sorted. */
export function gpgKeyFiles(spec: string): string[] {
  const files: string[] = [];
  for (const item of spec.split(/\s+/).filter(Boolean)) {
    let st: Stats;
    try {
      st = statSync(item);
    } catch {
      throw new SopsError(`key file or directory does not exist (${LOAD_GPG_KEYS})`, ExitCode.CouldNotReadInputFile, item);
    }
    if (!st.isDirectory()) {
      files.push(item);
      continue;
    }
    // Like the shell glob helm-secrets uses: no dotfiles (Kubernetes secret volumes keep `..data` links there).
    for (const name of readdirSync(item).filter((n) => !n.startsWith('.')).sort()) {
      const path = join(item, name);
      if (statSync(path, { throwIfNoEntry: false })?.isFile()) files.push(path);
    }
  }
  return files;
}

/** Adds the files of HELM_SECRETS_LOAD_GPG_KEYS (unless unset or `false`) to SOPS_PGP_KEY_FILE in `env`. */
export function applyLoadGpgKeys(env: NodeJS.ProcessEnv): void {
  const spec = env[LOAD_GPG_KEYS];
  if (!spec || spec.trim() === '' || spec === 'false') return;
  const files = gpgKeyFiles(spec);
  env.SOPS_PGP_KEY_FILE = [env.SOPS_PGP_KEY_FILE, ...files].filter(Boolean).join(delimiter);
}
