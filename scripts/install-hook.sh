#!/bin/sh
# helm's install/update hook for the `secrets` plugin: checks for Node.js, then lets install-hook.mjs install the
# production dependencies and build. Anything missing is named, with what to do about it.
set -eu
dir=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd -P)
node_bin=${HELM_SECRETS_NODE_PATH:-node}
if ! command -v "$node_bin" >/dev/null 2>&1; then
    echo "[helm-secrets] install: Node.js >= 20.19 is required, but 'node' was not found in PATH; install it and run: helm plugin update secrets" >&2
    exit 1
fi
exec "$node_bin" "$dir/scripts/install-hook.mjs" "$@"
