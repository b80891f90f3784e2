// The tree every store reads into and writes from: ordered mappings, lists, typed scalars and comments.
// It knows no file format and no key service; sops's Go model (TreeBranch/TreeItem) maps onto it one to one.

/** A comment line, stored without its leading `#` (or `;` in INI). Appears as a mapping key or a list element. */
export class Comment {
  /** `inline`: YAML line comment (`key: value #text`), kept so the YAML store writes it back on the same line. */
  constructor(
    readonly text: string,
    readonly inline: boolean = false,
  ) {}
}

/**
 * A YAML timestamp. `text` is the canonical Go time.MarshalText form (RFC3339Nano:
 * `2006-01-02T15:04:05.999999999Z07:00`, trailing zeros dropped, `Z` for UTC), which is both
 * the plaintext that gets encrypted (type `time`) and the bytes hashed into the MAC.
 */
export class SopsTime {
  constructor(readonly text: string) {}
}

/**
 * Scalar leaves and their SOPS `type`:
 * - string      -> str
 * - bigint      -> int (64-bit; always bigint so values above 2^53 keep their precision)
 * - number      -> float (a JS number is ALWAYS a float in this tree, even 7)
 * - boolean     -> bool
 * - SopsTime    -> time
 * - Uint8Array  -> raw bytes: the binary store's file content (encrypted as type `str`), or a decrypted `bytes` leaf
 * - null        -> null (never encrypted, never hashed)
 */
export type Scalar = string | bigint | number | boolean | SopsTime | Uint8Array | null;

/** A value in the tree. Comment only appears as a list element (in a mapping it is an item key). */
export type Value = Scalar | Mapping | Value[] | Comment;

/** One entry of a mapping. When `key` is a Comment, `value` is null and the item is a comment line. */
export interface Item {
  key: string | Comment;
  value: Value;
}

/** An ordered mapping (sops TreeBranch). Duplicate keys are allowed (the JSON store keeps them). */
export class Mapping {
  constructor(public items: Item[] = []) {}

  get(key: string): Value | undefined {
    for (const it of this.items) if (it.key === key) return it.value;
    return undefined;
  }

  has(key: string): boolean {
    return this.items.some((it) => it.key === key);
  }

  /** Replaces the value of the first item named `key`, or appends a new item. */
  set(key: string, value: Value): void {
    for (const it of this.items) {
      if (it.key === key) {
        it.value = value;
        return;
      }
    }
    this.items.push({ key, value });
  }

  /** Removes every item named `key`; returns whether one was removed. */
  delete(key: string): boolean {
    const before = this.items.length;
    this.items = this.items.filter((it) => it.key !== key);
    return this.items.length !== before;
  }
}

/** A whole document stream: one branch per YAML document (always one for the other stores). */
export type Branches = Mapping[];

export function isMapping(v: unknown): v is Mapping {
  return v instanceof Mapping;
}

export function isComment(v: unknown): v is Comment {
  return v instanceof Comment;
}

/** A deep copy of a tree value (scalars are immutable and shared). */
export function cloneValue<T extends Value>(v: T): T {
  if (v instanceof Mapping) return new Mapping(v.items.map((it) => ({ key: it.key, value: cloneValue(it.value) }))) as T;
  if (Array.isArray(v)) return v.map(cloneValue) as T;
  return v;
}

export function cloneBranches(b: Branches): Branches {
  return b.map((m) => cloneValue(m));
}
