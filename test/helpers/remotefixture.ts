// Stand-ins for the remote-values tests: a getter plugin of its own scheme (`fake://NAME` prints
// $FAKE_GETTER_ROOT/NAME; helm runs it exactly as it runs helm-s3 or helm-git), a `helm` shim that records every
// run and whether any file it was handed holds an ENC[...] value before it execs the real helm, a `node` shim that
// records the pid of every plugin process (to find private directories they left), and a chart that renders all
// of .Values.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function writeFakeGetter(dir: string, scheme = 'fake'): string {
  const plugin = join(dir, `getter-${scheme}`);
  mkdirSync(join(plugin, 'bin'), { recursive: true });
  writeFileSync(
    join(plugin, 'plugin.yaml'),
    `name: "getter-${scheme}"\nversion: "0.1.0"\nusage: "test getter"\ndescription: "test getter"\ndownloaders:\n  - command: "bin/get"\n    protocols:\n      - "${scheme}"\n`,
  );
  writeFileSync(
    join(plugin, 'bin', 'get'),
    `#!/bin/sh
# helm: certFile keyFile caFile URL
# The names of key variables it was given (there must be none: the bytes are decrypted by the plugin).
if [ -n "\${GETTER_ENV_LOG:-}" ]; then env | cut -d= -f1 | grep -E '^(SOPS_.*(KEY|TOKEN|PASSPHRASE|PASSWORD|SECRET)|VAULT_TOKEN)' >> "$GETTER_ENV_LOG" || true; fi
name="\${4#${scheme}://}"
if [ ! -f "$FAKE_GETTER_ROOT/$name" ]; then echo "fake getter: $name not found" >&2; exit 1; fi
exec cat "$FAKE_GETTER_ROOT/$name"
`,
    { mode: 0o755 },
  );
  return plugin;
}

/** The same getter in helm 4's own plugin format (apiVersion v1, type getter/v1, a subprocess runtime). */
export function writeFakeGetterV1(dir: string, scheme = 'fake4'): string {
  const plugin = join(dir, `getter-${scheme}`);
  mkdirSync(join(plugin, 'bin'), { recursive: true });
  writeFileSync(
    join(plugin, 'plugin.yaml'),
    `apiVersion: v1\ntype: getter/v1\nname: "getter-${scheme}"\nversion: "0.1.0"\nruntime: subprocess\nconfig:\n  protocols:\n    - "${scheme}"\n` +
      `runtimeConfig:\n  protocolCommands:\n    - protocols:\n        - "${scheme}"\n      platformCommand:\n        - command: "bin/get"\n`,
  );
  writeFileSync(
    join(plugin, 'bin', 'get'),
    `#!/bin/sh\nname="\${4#${scheme}://}"\nif [ ! -f "$FAKE_GETTER_ROOT/$name" ]; then echo "fake getter: $name not found" >&2; exit 1; fi\nexec cat "$FAKE_GETTER_ROOT/$name"\n`,
    { mode: 0o755 },
  );
  return plugin;
}

/** A helm that logs `ran: ARGS` and `ENC in ARG` (a file argument, or `key=file`, holding ENC[) to $SHIM_LOG. */
export function writeHelmShim(dir: string): string {
  const path = join(dir, 'helm-shim');
  writeFileSync(
    path,
    `#!/bin/sh
for a in "$@"; do
  f="$a"
  case "$a" in *=*) f="\${a#*=}";; esac
  if [ -f "$f" ] && grep -q 'ENC\\[' "$f" 2>/dev/null; then echo "ENC in $a" >> "$SHIM_LOG"; fi
done
echo "ran: $*" >> "$SHIM_LOG"
exec "$REAL_HELM" "$@"
`,
    { mode: 0o755 },
  );
  return path;
}

/** A node that logs its pid to $PID_LOG, then becomes node (exec keeps the pid). */
export function writeNodeShim(dir: string): string {
  const path = join(dir, 'node-shim');
  writeFileSync(path, `#!/bin/sh\necho $$ >> "$PID_LOG"\nexec "${process.execPath}" "$@"\n`, { mode: 0o755 });
  return path;
}

export function readLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** A chart whose one ConfigMap holds all of .Values as YAML (so any ENC[...] that reached helm shows). */
export function writeValuesChart(dir: string): string {
  const chart = join(dir, 'values-chart');
  mkdirSync(join(chart, 'templates'), { recursive: true });
  writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: values-chart\nversion: 0.1.0\n');
  writeFileSync(join(chart, 'templates', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  values: {{ toYaml .Values | quote }}\n');
  return chart;
}

/**
 * A stand-in for helm-git: `git+http://HOST/REPO.git@PATH?ref=REF` clones REF of the repository into a temp dir
 * and prints PATH (helm-git's URL form; credentials and other query parameters are not handled).
 */
export function writeFakeHelmGit(dir: string): string {
  const plugin = join(dir, 'helm-git-standin');
  mkdirSync(join(plugin, 'bin'), { recursive: true });
  writeFileSync(
    join(plugin, 'plugin.yaml'),
    'name: "helm-git-standin"\nversion: "0.1.0"\nusage: "test"\ndescription: "test"\ndownloaders:\n  - command: "bin/git-get"\n    protocols:\n      - "git+http"\n',
  );
  writeFileSync(
    join(plugin, 'bin', 'git-get'),
    `#!/bin/sh
set -eu
url="\${4#git+}"
query=""
case "$url" in *\\?*) query="\${url#*\\?}"; url="\${url%%\\?*}";; esac
repo="\${url%%@*}"
path="\${url#*@}"
ref=main
for kv in $(echo "$query" | tr '&' ' '); do case "$kv" in ref=*) ref="\${kv#ref=}";; esac; done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git clone --quiet --depth 1 --branch "$ref" "$repo" "$tmp/r" >&2
cat "$tmp/r/$path"
`,
    { mode: 0o755 },
  );
  return plugin;
}
