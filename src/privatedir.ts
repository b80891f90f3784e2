// The names every private plaintext directory shares, whoever creates it (the helm wrapper, edit): its prefix and
// the lock file naming its process, by which a later run or `clean` recognises and removes one left by a killed run.

export const DIR_PREFIX = 'helm-secrets-';
export const LOCK_FILE = '.helm-secrets.lock';
