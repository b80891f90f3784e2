// helm's TLS flags on a command line (--ca-file, --cert-file, --key-file, --insecure-skip-tls-verify, in pflag's
// spellings), read so the wrapper's own downloads of http(s) values URLs use what the user gave helm.
import type { TlsFiles } from './http.js';

const FILES: Record<string, keyof TlsFiles> = { '--ca-file': 'caFile', '--cert-file': 'certFile', '--key-file': 'keyFile' };

export function tlsFromHelmArgs(argv: readonly string[]): TlsFiles {
  const out: TlsFiles = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') break;
    const eq = a.indexOf('=');
    const name = eq < 0 ? a : a.slice(0, eq);
    const key = FILES[name];
    if (key) {
      const v = eq < 0 ? argv[++i] : a.slice(eq + 1);
      if (v) (out as Record<string, string>)[key] = v;
    } else if (name === '--insecure-skip-tls-verify') {
      out.insecure = eq < 0 || a.slice(eq + 1).toLowerCase() === 'true';
    }
  }
  return out;
}
