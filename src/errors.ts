// One error type for every failure the user can see, and the one table that maps causes to exit codes.
// Codes are sops's own (cmd/sops/codes) so scripts written for sops keep working.
import { redactUrls } from './redact.js';

export const ExitCode = {
  Generic: 1,
  CouldNotReadInputFile: 2,
  CouldNotWriteOutputFile: 3,
  ErrorDumpingTree: 4,
  ErrorReadingConfig: 5,
  InvalidKMSEncryptionContextFormat: 6,
  InvalidSetFormat: 7,
  ConflictingParameters: 8,
  ErrorEncryptingMac: 21,
  ErrorEncryptingTree: 23,
  ErrorDecryptingMac: 24,
  ErrorDecryptingTree: 25,
  CannotChangeKeysFromNonExistentFile: 49,
  MacMismatch: 51,
  MacNotFound: 52,
  ConfigFileNotFound: 61,
  KeyboardInterrupt: 85,
  InvalidTreePathFormat: 91,
  NeedAtLeastOneDocument: 92,
  NoFileSpecified: 100,
  CouldNotRetrieveKey: 128,
  NoEncryptionKeyFound: 111,
  DuplicateDecryptionKeyType: 112,
  FileHasNotBeenModified: 200,
  NoEditorFound: 201,
  FailedToCompareVersions: 202,
  FileAlreadyEncrypted: 203,
} as const;

/**
 * A failure with a one-line message and the exit code it maps to. `file` is prefixed when printed,
 * so messages read "FILE: cause". Messages must never contain plaintext values.
 */
export class SopsError extends Error {
  constructor(
    message: string,
    readonly code: number = ExitCode.Generic,
    public file?: string,
  ) {
    super(message);
    this.name = 'SopsError';
  }

  /** Returns a copy that names `file`, unless a file is already named. */
  withFile(file: string): SopsError {
    if (this.file) return this;
    const e = new SopsError(this.message, this.code, file);
    return e;
  }

  /** The single line printed to stderr: URLs lose their credentials (src/redact.ts), control characters are escaped. */
  oneLine(): string {
    const msg = printable(redactUrls(this.message.replace(/\s*\n\s*/g, '; ')));
    return this.file ? `${printable(redactUrls(this.file))}: ${msg}` : msg;
  }
}

/**
 * A refusal by helm-secrets' own checks (no file given, file missing, not encrypted, already encrypted, no such
 * directory): printed as helm-secrets prints it, `[helm-secrets] MESSAGE`, and always exit 1. What the engine finds
 * (bad MAC, no key, bad input) stays a SopsError with sops's words and code.
 */
export class HelmSecretsError extends SopsError {
  constructor(message: string) {
    super(message, ExitCode.Generic);
    this.name = 'HelmSecretsError';
  }

  override withFile(): SopsError {
    return this;
  }

  override oneLine(): string {
    return printable(redactUrls(this.message.replace(/\s*\n\s*/g, '; ')));
  }
}

/**
 * A reference (`ref+SCHEME://...`) that could not be resolved: the message names the reference as written and the
 * cause, never a resolved value. `reason` says which class of failure it was (src/refs/types.ts RefFailure). Exit 1,
 * as helm-secrets exits when vals fails.
 */
export class RefError extends SopsError {
  constructor(
    message: string,
    readonly reason: string,
    file?: string,
  ) {
    super(message, ExitCode.Generic, file);
    this.name = 'RefError';
  }

  override withFile(file: string): SopsError {
    return this.file ? this : new RefError(this.message, this.reason, file);
  }
}

/** helm-secrets' words for its own checks; every command uses these. */
export const OwnCheck = {
  noFile: () => new HelmSecretsError('Error: secrets file required.'),
  missing: (file: string) => new HelmSecretsError(`File does not exist: ${file}`),
  notEncrypted: (file: string) => new HelmSecretsError(`File is not encrypted: ${file}`),
  alreadyEncrypted: (file: string) => new HelmSecretsError(`Already encrypted: ${file}`),
  noDirectory: (dir: string) => new HelmSecretsError(`Directory does not exist: ${dir}`),
};

/** Whether `err` is readInput's refusal of a file that does not exist. */
export function isMissingFile(err: unknown): boolean {
  return err instanceof SopsError && !(err instanceof HelmSecretsError) && err.code === ExitCode.NoFileSpecified && err.message === 'file does not exist';
}

/** Wraps anything thrown into a SopsError without ever echoing data: only the message of known errors. */
export function asSopsError(err: unknown, code: number = ExitCode.Generic, file?: string): SopsError {
  if (err instanceof SopsError) return file ? err.withFile(file) : err;
  // A stack overflow here comes from recursing into a document: name the cause, not the engine's limit.
  if (err instanceof RangeError && /call stack/i.test(err.message)) {
    return new SopsError('the document is nested too deeply to process', ExitCode.CouldNotReadInputFile, file);
  }
  const message = errorMessage(err);
  return new SopsError(message, code, file);
}

/**
 * A file name, URL or message as it may be printed: every control character (C0, DEL, C1 with U+0085) and the
 * Unicode line and paragraph separators (U+2028, U+2029) is written as an escape (`\n`, `\x1b`, `\u2028`), so a
 * name can never start a line of its own (a forged `[helm-secrets] ...` message) or move the terminal's cursor.
 * Everything that prints names to the user goes through this one function.
 */
export function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    const n = c.charCodeAt(0);
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}

/** The message of anything thrown (an Error's message, else its string form): one place for every layer. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
