// What a values reference points at: a local file, a URL, or one of helm-secrets' `secrets…://` protocols with
// the key it imports. Parsing only; reading and key set-up live in resolve.ts.
import { SopsError } from '../errors.js';
import { redactUrl } from '../redact.js';
import { splitForced } from './backends.js';

export type KeyImport =
  | { kind: 'gpg-file'; path: string }
  | { kind: 'age-file'; path: string }
  | { kind: 'gpg-kubernetes'; namespace?: string; secret: string; key: string }
  | { kind: 'age-kubernetes'; namespace?: string; secret: string; key: string };

export type Source =
  /** A local path; `viaProtocol` is true when it came from `secrets…://` (it must then be read by us). */
  | { type: 'local'; path: string; ignoreMissing: boolean; backend?: string; keyImport?: KeyImport; viaProtocol: boolean }
  | { type: 'http'; url: string; ignoreMissing: boolean; backend?: string; keyImport?: KeyImport; viaProtocol: boolean }
  /** `secrets+literal://`: the value itself; `backend` when written `backend!value`. */
  | { type: 'literal'; value: string; backend?: string }
  /**
   * Any other `scheme://`: another getter plugin's (helm-git's `git+https://`, helm-s3's `s3://`, …). It is fetched
   * through helm's own getters and decrypted here (src/helm/viahelm.ts), never handed to helm to read itself.
   * `viaProtocol` when it came from `secrets…://`.
   */
  | { type: 'other'; spec: string; ignoreMissing: boolean; backend?: string; keyImport?: KeyImport; viaProtocol: boolean };

const SCHEME_RE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/**
 * Strips helm-secrets' `?` (ignore if missing) and `backend!` prefixes. `protocol`: after `secrets…://`, where
 * whatever precedes the first `!` names a backend (src/helm/backends.ts decides; it is loaded, and refused when
 * unknown or not allowed, when the reference is resolved).
 */
function prefixes(spec: string, protocol: boolean): { rest: string; ignoreMissing: boolean; backend?: string } {
  let rest = spec;
  let ignoreMissing = false;
  if (rest.startsWith('?')) {
    rest = rest.slice(1);
    ignoreMissing = true;
  }
  const forced = splitForced(rest, protocol);
  return forced.backend !== undefined ? { rest: forced.rest, ignoreMissing, backend: forced.backend } : { rest: forced.rest, ignoreMissing };
}

// What Kubernetes accepts (DNS-1123 label for a namespace, subdomain for a secret name, a data key's characters):
// anything else could reach kubectl as a flag (`--server=…`) or break out of the go-template that selects the key.
const NAMESPACE_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const SECRET_NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DATA_KEY_RE = /^[-._a-zA-Z0-9]+$/;

function checkKubeName(what: string, value: string, re: RegExp, rule: string, protocol: string): void {
  if (value.length <= 253 && re.test(value)) return;
  throw new SopsError(`${protocol}: invalid Kubernetes ${what} ${JSON.stringify(value)}: ${rule}`);
}

function kubernetesLocation(loc: string, spec: string, protocol: string): { namespace?: string; secret: string; key: string } {
  const hash = loc.lastIndexOf('#');
  if (hash < 0) throw new SopsError(`Invalid syntax: expected [namespace/]secret#key in ${spec}`);
  const where = loc.slice(0, hash);
  const key = loc.slice(hash + 1);
  const slash = where.indexOf('/');
  const namespace = slash < 0 ? undefined : where.slice(0, slash);
  const secret = slash < 0 ? where : where.slice(slash + 1);
  if (namespace !== undefined) checkKubeName('namespace', namespace, NAMESPACE_RE, 'a DNS-1123 label is required (at most 63 lower-case letters, digits and -)', protocol);
  checkKubeName('secret name', secret, SECRET_NAME_RE, 'a DNS-1123 subdomain is required (lower-case letters, digits, - and .)', protocol);
  checkKubeName('secret key', key, DATA_KEY_RE, 'only letters, digits, -, _ and . are allowed', protocol);
  return namespace === undefined ? { secret, key } : { namespace, secret, key };
}

const IMPORTS = ['secrets+gpg-import://', 'secrets+gpg-import-kubernetes://', 'secrets+age-import://', 'secrets+age-import-kubernetes://'];

/** Reads one values reference as written on the command line or handed to the getter. */
export function parseSource(spec: string): Source {
  if (spec.startsWith('secrets+literal://')) return literal(spec.slice('secrets+literal://'.length));
  if (spec.startsWith('secrets://')) {
    const p = prefixes(spec.slice('secrets://'.length), true);
    return inner(p.rest, p.ignoreMissing, p.backend, undefined, spec);
  }
  const proto = IMPORTS.find((x) => spec.startsWith(x));
  if (proto) {
    const p = prefixes(spec.slice(proto.length), true);
    const q = p.rest.indexOf('?');
    const name = proto.slice(0, -3);
    if (q < 0) throw new SopsError(`Invalid syntax: ${name}://[path to key]?[path secrets.yaml]`);
    const keyPart = p.rest.slice(0, q);
    const path = p.rest.slice(q + 1);
    let keyImport: KeyImport;
    if (name === 'secrets+gpg-import') keyImport = { kind: 'gpg-file', path: keyPart };
    else if (name === 'secrets+age-import') keyImport = { kind: 'age-file', path: keyPart };
    else if (name === 'secrets+gpg-import-kubernetes') keyImport = { kind: 'gpg-kubernetes', ...kubernetesLocation(keyPart, spec, name) };
    else keyImport = { kind: 'age-kubernetes', ...kubernetesLocation(keyPart, spec, name) };
    return inner(path, p.ignoreMissing, p.backend, keyImport, spec);
  }
  const p = prefixes(spec, false);
  const b = p.backend !== undefined ? { backend: p.backend } : {};
  if (/^https?:\/\//i.test(p.rest)) return { type: 'http', url: p.rest, ignoreMissing: p.ignoreMissing, ...b, viaProtocol: false };
  if (SCHEME_RE.test(p.rest)) return { type: 'other', spec: p.rest, ignoreMissing: p.ignoreMissing, ...b, viaProtocol: false };
  return { type: 'local', path: p.rest, ignoreMissing: p.ignoreMissing, ...b, viaProtocol: false };
}

/**
 * What a `secrets…://` protocol wraps: a local path, an http(s) URL (`secrets://https://host/x.yaml`) or another
 * getter's reference (`secrets://git+https://…`, `secrets+age-import://KEY?s3://…`). One level only: a protocol of
 * this plugin inside another would have helm call this getter again for the inner one.
 */
function inner(rest: string, ignoreMissing: boolean, backend: string | undefined, keyImport: KeyImport | undefined, spec: string): Source {
  const ki = { ...(keyImport ? { keyImport } : {}), ...(backend !== undefined ? { backend } : {}) };
  if (/^https?:\/\//i.test(rest)) return { type: 'http', url: rest, ignoreMissing, ...ki, viaProtocol: true };
  if (SCHEME_RE.test(rest)) {
    if (/^secrets[+:]/i.test(rest)) throw new SopsError(`nested secrets protocols are not supported: ${redactUrl(spec)}`);
    return { type: 'other', spec: rest, ignoreMissing, ...ki, viaProtocol: true };
  }
  return { type: 'local', path: rest, ignoreMissing, ...ki, viaProtocol: true };
}

/**
 * `secrets+literal://[backend!]value`: as in helm-secrets, everything before the first `!` names a backend (loaded,
 * and refused when unknown or not allowed, when the literal is resolved); the rest is the value.
 */
function literal(rest: string): Source {
  const forced = splitForced(rest, true);
  return forced.backend !== undefined ? { type: 'literal', value: forced.rest, backend: forced.backend } : { type: 'literal', value: forced.rest };
}
