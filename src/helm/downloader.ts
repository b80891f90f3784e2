// The getter side (`helm template -f secrets://…`, as Argo CD uses it): helm runs the getter plugin with
// `certFile keyFile caFile URL`; the plaintext goes to stdout, which helm reads into memory. The reference inside
// may be local, http(s) or another getter's (fetched through helm, src/helm/viahelm.ts).
import { readFile } from 'node:fs/promises';
import { asSopsError, printable } from '../errors.js';
import { redactUrl } from '../redact.js';
import { Delivery } from './deliver.js';
import { resolveSource } from './resolve.js';
import { parseSource } from './source.js';
import { writeStderr, writeStdout } from '../stdio.js';

/** `downloader [certFile keyFile caFile] URL`: prints the decrypted content of URL; resolves to the exit code. */
export async function runDownloader(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const url = argv[argv.length - 1];
  if (!url) {
    writeStderr('[helm-secrets] downloader: no URL given (helm passes certFile keyFile caFile URL)\n');
    return 1;
  }
  // Only kubernetes-held binary PGP keys need a directory; it is private and wiped before returning.
  const scratch = new Delivery('dir', env);
  process.once('exit', () => { scratch.wipe(); });
  try {
    if (!/^secrets(\+[a-z-]+)?:\/\//.test(url)) {
      writeStderr(`[helm-secrets] Unknown protocol '${printable(redactUrl(url))}'!\n`);
      return 1;
    }
    const src = parseSource(url);
    // helm passes the TLS files of the command (empty for values files); an inner https:// URL uses them.
    const [certFile, keyFile, caFile] = argv.length >= 4 ? argv.slice(argv.length - 4, argv.length - 1) : [];
    const tls = { ...(certFile ? { certFile } : {}), ...(keyFile ? { keyFile } : {}), ...(caFile ? { caFile } : {}) };
    const o = await resolveSource(src, { env, kind: 'values', reuseDecrypted: false, keyDir: async () => scratch.privateDir(), tls });
    if (o.action === 'content') await writeStdout(o.bytes);
    else await writeStdout(await readFile(o.action === 'path' ? o.path : url));
    return 0;
  } catch (err) {
    const e = asSopsError(err);
    writeStderr(`[helm-secrets] ${e.oneLine()}\n`);
    return e.code;
  } finally {
    scratch.wipe();
  }
}
