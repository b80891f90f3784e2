// The contract of a reference provider (vals-style `ref+SCHEME://...`): a light, synchronous descriptor
// beside a lazily loaded implementation, the same pattern as the master-key kinds. Adding a provider is one
// new module plus one line in the registry.

/** One reference, taken apart: `ref+SCHEME://HOST/PATH?PARAMS#FRAGMENT`. */
export interface ParsedRef {
  /** The reference exactly as written (without a trailing `+` terminator); used in messages, never a value. */
  readonly raw: string;
  readonly scheme: string;
  /** What stands between `://` and the first `/` (vals calls it the host; some providers use it as a name). */
  readonly host: string;
  /** The rest up to `?` or `#`, with its leading `/` when there is one. */
  readonly path: string;
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
}

export interface RefProvider {
  /**
   * The value the reference stands for. `string` when the store holds text; a parsed document
   * (object/array/scalar) when it holds structured data that a fragment selects from.
   * Throws an Error whose message names the cause (not found, denied, unreachable), never a value.
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
