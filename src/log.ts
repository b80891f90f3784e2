// sops's --verbose log: the info lines sops writes to stderr (key attempts, data key recovered), in the layout of
// its logger when stderr is not a terminal: `[NAME]\t time="..." level=info msg="..." field=value`.
// Off unless --verbose was given (as a command flag or a backend argument). Lines name keys, never key material.
import { printable } from './errors.js';

let verbose = false;

export function setVerbose(on: boolean): void {
  verbose = on;
}

export function isVerbose(): boolean {
  return verbose;
}

function quote(v: string): string {
  return /^[A-Za-z0-9_.\-/@:+]+$/.test(v) ? v : JSON.stringify(printable(v));
}

/** sops's logger name and the field that names the key, per key kind (metadata field name). */
const KEY_LOGGERS: Readonly<Record<string, [string, string]>> = {
  pgp: ['PGP', 'fingerprint'],
  age: ['AGE', 'recipient'],
  kms: ['AWSKMS', 'arn'],
  gcp_kms: ['GCPKMS', 'resourceID'],
  azure_kv: ['AZKV', 'key'],
  hc_vault: ['VAULT_TRANSIT', 'path'],
  hckms: ['HCKMS', 'key'],
};

/** A key attempt's line, e.g. `[PGP] ... msg="Decryption succeeded" fingerprint=...`. */
export function keyLog(kind: string, msg: string, name: string): void {
  if (!verbose) return;
  const [logger, field] = KEY_LOGGERS[kind] ?? [kind.toUpperCase(), 'key'];
  verboseLog(logger, msg, name ? { [field]: name } : {});
}

/** One info line of logger `name` (SOPS, PGP, AGE, ...), with fields in name order, when verbose. */
export function verboseLog(name: string, msg: string, fields: Record<string, string> = {}): void {
  if (!verbose) return;
  const time = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const extra = Object.keys(fields)
    .sort()
    .map((k) => ` ${k}=${quote(fields[k]!)}`)
    .join('');
  process.stderr.write(`[${name}]\t time="${time}" level=info msg=${quote(msg)}${extra}\n`);
}
