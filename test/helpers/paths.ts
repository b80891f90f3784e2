// Where tests find the project, the shared vectors (read in place, never copied) and the helm binaries.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED = resolve(ROOT, '..', 'shared');
export const VECTORS = join(SHARED, 'vectors');
export const SOPS_VECTORS = join(VECTORS, 'sops');
export const HS_VECTORS = join(VECTORS, 'helm-secrets');
export const CLI = join(ROOT, 'bin', 'helm-secrets.js');
export const HELM = { v3: join(ROOT, '.helm', 'v3', 'helm'), v4: join(ROOT, '.helm', 'v4', 'helm') };
