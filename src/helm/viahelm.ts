// Fetches a values reference through helm's own getters (getter plugins such as helm-git's git+https:// or
// helm-s3's s3://, helm 3 `downloaders` and helm 4 getter/v1 alike), so whatever the user has installed works:
// `helm template` of a three-file helper chart with `--set-file content=REF` (helm reads REF exactly as it reads
// a values file), whose one template prints the bytes base64-encoded. The bytes come back over a pipe into this
// process, to be decrypted here; helm is never left to read an encrypted reference itself. The chart is written
// into the run's private directory (no values in it).
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printable } from '../errors.js';
import { redactUrls } from '../redact.js';
import { helmEnvironment } from './childenv.js';

const CHART = 'values-getter';
const made = new Map<string, string>();

function helperChart(dir: string): string {
  const existing = made.get(dir);
  if (existing) return existing;
  const chart = join(dir, CHART);
  mkdirSync(join(chart, 'templates'), { recursive: true, mode: 0o700 });
  writeFileSync(join(chart, 'Chart.yaml'), `apiVersion: v2\nname: ${CHART}\nversion: 0.1.0\n`);
  writeFileSync(join(chart, 'values.yaml'), 'content: ""\n');
  writeFileSync(join(chart, 'templates', 'content.yaml'), 'content: {{ .Values.content | b64enc | quote }}\n');
  made.set(dir, chart);
  return chart;
}

export class HelmFetchError extends Error {}

/** helm's --set-file value syntax: `\` escapes, `,` ends a pair. */
function setFileValue(spec: string): string {
  return spec.replace(/[\\,]/g, '\\$&');
}

/**
 * The bytes helm's getters return for `spec`. `dir` is a private directory for the helper chart. Rejects with
 * HelmFetchError whose message is helm's own error line (credentials redacted), without the bytes.
 */
export function fetchViaHelm(spec: string, env: NodeJS.ProcessEnv, dir: string): Promise<Uint8Array> {
  const chart = helperChart(dir);
  const helm = env.HELM_SECRETS_HELM_PATH || env.HELM_BIN || 'helm';
  const argv = ['template', CHART, chart, '--set-file', `content=${setFileValue(spec)}`];
  // The other getter needs no sops key or Vault token (the bytes are decrypted here); never this plugin's wrapper
  // again (scripts/wrapper/helm.sh as `helm`); no debug output of the values.
  const childEnv: NodeJS.ProcessEnv = { ...helmEnvironment(env, argv), HELM_SECRETS_WRAPPER_ENABLED: 'false' };
  delete childEnv.HELM_DEBUG;
  return new Promise((resolve, reject) => {
    execFile(
      helm,
      argv,
      { env: childEnv, maxBuffer: 128 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err) {
          const lines = (stderr ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
          const line = lines.find((l) => l.startsWith('Error:')) ?? lines[lines.length - 1] ?? (err as NodeJS.ErrnoException).code ?? 'helm failed';
          // helm 4 prints the failing plugin as a Go struct dump (`plugin &{{"legacy" …} …} failed to invoke: …`).
          const short = line.replace(/^Error:\s*/, '').replace(/plugin &\{.*\}\s*/s, '');
          const msg = printable(redactUrls(short));
          reject(new HelmFetchError(msg.length > 300 ? msg.slice(0, 300) + '…' : msg));
          return;
        }
        const m = /^content: "([A-Za-z0-9+/=]*)"\s*$/m.exec(stdout);
        if (!m) {
          reject(new HelmFetchError('helm printed no content (unexpected output of helm template)'));
          return;
        }
        resolve(new Uint8Array(Buffer.from(m[1], 'base64')));
      },
    );
  });
}
