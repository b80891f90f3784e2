// What a stand-in server (fake-vault, fake-azurekv, fake-gcpkms, fake-gcpsecrets) does with each request: the next
// behaviour of `plan`, else `fallback`, while `calls` records what came in. The server object a helper returns is
// this object itself (serverWith), so a test's `kv.plan = [...]` is what the server reads next.
export interface FaultPlan<B, C> {
  calls: C[];
  plan: B[];
  fallback: B;
}

export function faultPlan<B, C>(fallback: B): FaultPlan<B, C> {
  return { calls: [], plan: [], fallback };
}

/** The behaviour for the request that just came in. */
export function nextBehaviour<B>(p: FaultPlan<B, unknown>): B {
  return p.plan.length ? p.plan.shift()! : p.fallback;
}

/** The server object: `plan` itself with `rest`'s properties, accessors kept as accessors (Object.assign would read them once). */
export function serverWith<P extends object, T extends object>(plan: P, rest: T): P & T {
  return Object.defineProperties(plan, Object.getOwnPropertyDescriptors(rest)) as P & T;
}
