// The contract of a reference provider (vals-style `ref+SCHEME://...`): a light, synchronous descriptor
// beside a lazily loaded implementation, the same pattern as the master-key kinds. Adding a provider is one
// new module (exporting `provider`) plus one line in the registry (src/refs/registry.ts).

/** One reference, taken apart: `ref+SCHEME://HOST/PATH?PARAMS#FRAGMENT`. */
export interface ParsedRef {
  /** The reference exactly as written (without a trailing `+` terminator); used in messages, never a value. */
  readonly raw: string;
  /** `ref` or `secretref` (vals treats both alike unless secret references are excluded). */
  readonly kind: 'ref' | 'secretref';
  readonly scheme: string;
  /** What stands between `://` and the first `/` (vals calls it the host; some providers use it as a name). */
  readonly host: string;
  /** The rest up to `?` or `#`, with its leading `/` when there is one (percent-decoded, as Go's url.Parse). */
  readonly path: string;
  /**
   * What vals hands its providers: host and path joined by one `/` (`ref+vault://secret/db` -> `secret/db`,
   * `ref+file:///etc/x` -> `/etc/x`, `ref+file://./x` -> `./x`).
   */
  readonly key: string;
  readonly params: URLSearchParams;
  /** The fragment without `#` (e.g. `/password` or `/a/b`), or undefined when there is none. */
  readonly fragment?: string;
}

/** What a provider may need at run time. Never holds a resolved value. */
export interface RefContext {
  env: NodeJS.ProcessEnv;
  /** The file the reference came from (for messages and for relative paths), or undefined for a literal. */
  file?: string;
  /** Base directory for relative `ref+file://` paths. */
  baseDir: string;
  /** Per-call timeout for a secret store, in milliseconds. */
  timeoutMs: number;
  /** Attempts for a call that failed transiently (1 = no retry). */
  attempts: number;
  /**
   * Memo shared by every fetch of one run (one file, one `get`): a provider keeps what it must do once per run
   * here, keyed by its own prefix (a Vault login, a client). Optional for providers; the resolver always sets it.
   */
  runCache?: Map<string, unknown>;
  /**
   * Checks a local path a reference names (`ref+file://`, `ref+sops://`), as written, before it is read; throws to
   * refuse it. The helm layer passes its values-path guards (HELM_SECRETS_VALUES_ALLOW_*), so a repository cannot
   * read outside itself through a reference either.
   */
  checkPath?: (path: string) => Promise<void>;
}

export interface RefProvider {
  /**
   * The value the reference stands for. Without a fragment (`ref.fragment` undefined, or empty), a `string`: vals's
   * GetString. With a fragment, the document the fragment selects from (vals's GetStringMap): a plain object or a
   * tree Mapping, or a string that the resolver parses as YAML/JSON. The resolver walks the fragment itself and
   * fetches each document once for every fragment into it; a provider must not depend on the fragment's text.
   * Throws an Error (ideally a RefFetchError saying why) whose message names the cause, never a value.
   */
  fetch(ref: ParsedRef, ctx: RefContext): Promise<unknown>;
}

export interface RefProviderDescriptor {
  /** The scheme after `ref+` (`vault`, `awssecrets`, ...). */
  readonly scheme: string;
  /** One line for help and docs. */
  readonly summary: string;
  /** Loads the implementation (and its SDK) only when a reference uses this scheme. */
  load(): Promise<RefProvider>;
}

/** Why a fetch failed; the resolver reports it in the typed error (src/errors.ts RefError). */
export type RefFailure = 'malformed' | 'unknown-provider' | 'not-found' | 'denied' | 'unreachable' | 'failed';

/** A provider's failure with its class. The message is the cause only (the resolver adds the reference). */
export class RefFetchError extends Error {
  constructor(
    readonly reason: RefFailure,
    message: string,
  ) {
    super(message);
    this.name = 'RefFetchError';
  }
}
