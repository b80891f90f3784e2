// sops's --verbose log: the info lines sops writes to stderr (key attempts, data key recovered), in the layout of
// its logger when stderr is not a terminal: `[NAME]\t time="..." level=info msg="..." field=value`.
// Off unless --verbose was given (as a command flag or a backend argument). Lines name keys, never key material.
import { nowRfc3339 } from './clock.js';
import { printable } from './errors.js';
import { writeStderr } from './stdio.js';

let verbose = false;

export function setVerbose(on: boolean): void {
  verbose = on;
}

function quote(v: string): string {
  return /^[A-Za-z0-9_.\-/@:+]+$/.test(v) ? v : JSON.stringify(printable(v));
}

/** A key attempt's line, e.g. `[PGP] ... msg="Decryption succeeded" fingerprint=...`; the logger is the kind's (its descriptor). */
export function keyLog(logger: readonly [name: string, field: string], msg: string, name: string): void {
  if (!verbose) return;
  verboseLog(logger[0], msg, name ? { [logger[1]]: name } : {});
}

/** One info line of logger `name` (SOPS, PGP, AGE, ...), with fields in name order, when verbose. */
export function verboseLog(name: string, msg: string, fields: Record<string, string> = {}): void {
  if (!verbose) return;
  const time = nowRfc3339();
  const extra = Object.keys(fields)
    .sort()
    .map((k) => ` ${k}=${quote(fields[k])}`)
    .join('');
  writeStderr(`[${name}]\t time="${time}" level=info msg=${quote(msg)}${extra}\n`);
}
