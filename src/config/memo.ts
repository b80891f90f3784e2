// Whether this process is one CLI run, set by the entry point (src/cli/entry.ts): config.ts then keeps every
// .sops.yaml lookup and parse. A module of its own so that the entry point need not load the config code to say so.
let on = false;

/** Keeps every .sops.yaml lookup and parse for the rest of the process (one CLI run). */
export function memoizeConfig(): void {
  on = true;
}

export function configMemoized(): boolean {
  return on;
}
