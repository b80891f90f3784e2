#!/usr/bin/env sh
# A `helm` to put first on PATH where helm is run by someone else (Argo CD's repo server): with
# HELM_SECRETS_WRAPPER_ENABLED=true, install, upgrade, template, lint and diff become `helm secrets ...`, so values
# files and secrets:// URLs are decrypted without changing the caller; every other command, and every command when
# the variable is not "true", goes to the real helm unchanged. HELM_SECRETS_HELM_PATH names the real helm binary.
set -eu
# No core dumps: one would write the decrypted values and data keys in memory to disk (children inherit it).
ulimit -c 0 2>/dev/null || true

real="${HELM_SECRETS_HELM_PATH:-${HELM_BIN:-}}"
if [ -z "${real}" ]; then
    # Plain `helm` would be this script again, first on PATH: an endless loop.
    echo "[helm-secrets] helm wrapper: set HELM_SECRETS_HELM_PATH to the real helm binary" >&2
    exit 1
fi

if [ "${HELM_SECRETS_WRAPPER_ENABLED:-false}" = "true" ]; then
    case "${1:-}" in
    install | upgrade | template | lint | diff)
        exec "${real}" secrets "$@"
        ;;
    esac
fi

exec "${real}" "$@"
