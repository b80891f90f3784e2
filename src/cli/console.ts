// The plugin's own messages: always on stderr, `[helm-secrets] ` prefixed (bare, as sops prints them, for bin/sops), silenced by -q / HELM_SECRETS_QUIET.
// Errors are one line each and never carry plaintext (SopsError messages are built without values). Every line is
// passed through redactUrls() (no credentials of a URL) and printable(), so a file name with a newline or escape sequence cannot forge or hide a message.
import { asSopsError, ExitCode, HelmSecretsError, printable } from '../errors.js';
import { redactUrls } from '../redact.js';
import { writeStderr } from '../stdio.js';
import { quietFromEnv } from '../helm/globalopts.js';

let quiet = false;
let prefix = '[helm-secrets] ';
/** 'sops' (bin/sops): errors are the bare message as sops prints them and notices are not printed. */
let style: 'helm-secrets' | 'sops' = 'helm-secrets';

/** bin/sops: sops's way of printing (bare errors, no notices), warnings tagged `[sops] `. */
export function setStyle(s: 'helm-secrets' | 'sops'): void {
  style = s;
  prefix = s === 'sops' ? '[sops] ' : '[helm-secrets] ';
}

export function setQuiet(q: boolean): void {
  quiet = q;
}

/** HELM_SECRETS_QUIET, read as helm-secrets reads it (src/helm/globalopts.ts quietFromEnv). */
export function isQuietEnv(env: NodeJS.ProcessEnv): boolean {
  return quietFromEnv(env);
}

export function info(msg: string): void {
  if (!quiet && style === 'helm-secrets') writeStderr(`${prefix}${printable(redactUrls(msg))}\n`);
}

export function warn(msg: string): void {
  if (!quiet) writeStderr(`${prefix}Warning: ${printable(redactUrls(msg))}\n`);
}

/** Prints an error as one line and returns its exit code. Unknown errors show only their message. */
export function reportError(err: unknown, file?: string): number {
  const tag = style === 'sops' ? '' : prefix;
  if (err instanceof HelmSecretsError) {
    writeStderr(`${tag}${err.oneLine()}\n`);
    return err.code;
  }
  const e = asSopsError(err, ExitCode.Generic, file);
  writeStderr(`${tag}${style === 'sops' ? '' : 'Error: '}${e.oneLine()}\n`);
  return e.code;
}

/** Options for withFileLock (src/lock.ts): the wait is announced as one of our messages. */
export function lockOptions(env: NodeJS.ProcessEnv, command: string): { env: NodeJS.ProcessEnv; command: string; notify: (msg: string) => void } {
  return { env, command, notify: info };
}
