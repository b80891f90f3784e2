#!/usr/bin/env bash
# Runs one function of a custom secret backend (a script with helm-secrets' `_custom_backend_*` functions):
#   bash custom-backend-call.sh SCRIPT FUNCTION [ARGS...]
# FUNCTION is is_file_encrypted FILE | decrypt_file TYPE INPUT [OUTPUT] | decrypt_literal VALUE |
# encrypt_file TYPE INPUT [OUTPUT] | edit_file TYPE FILE. The plugin sets SCRIPT_DIR and HELM_SECRETS_SCRIPT_DIR (this
# plugin's scripts/, whose lib/backends/_custom.sh backends may source), TMPDIR (a private directory it removes),
# QUIET and SECRET_BACKEND_ARGS. The shell functions helm-secrets gives its backends are defined here first.
set -euf

log() {
    if [ $# -le 1 ]; then
        printf '[helm-secrets] %s\n' "${1:-}" >&2
    else
        _hs_fmt="${1}"
        shift
        # shellcheck disable=SC2059
        printf "[helm-secrets] ${_hs_fmt}\n" "$@" >&2
    fi
}
error() { log "$@"; }
fatal() {
    log "$@"
    exit 1
}
is_help() { case "${1:-}" in -h | --help | help) true ;; *) false ;; esac }
_mktemp() { mktemp "$@" "${TMPDIR}/XXXXXX"; }
_regex_escape() { sed -e 's/[]\/()$*.^|[]/\\&/g'; }
_sed_i() { sed -i "$@"; }
on_wsl() { false; }
on_cygwin() { false; }
_winpath() { printf '%s' "${1}"; }
_helm_winpath() { printf '%s' "${1}"; }
_helm_bin() { printf '%s' "${HELM_BIN:-helm}"; }
_file_get_extension() {
    case "${1}" in
    *.yaml*) echo yaml ;;
    *.json*) echo json ;;
    *) if grep -Fxq -- '---' "${1}"; then echo yaml; else echo other; fi ;;
    esac
}

_hs_script="${1:?custom-backend-call.sh: no backend script}"
_hs_fn="${2:?custom-backend-call.sh: no function}"
shift 2
SECRET_BACKEND=custom
QUIET="${QUIET:-false}"
SECRET_BACKEND_ARGS="${SECRET_BACKEND_ARGS:-}"
export SCRIPT_DIR HELM_SECRETS_SCRIPT_DIR

# shellcheck source=/dev/null
. "${_hs_script}"
if ! declare -F "_custom_backend_${_hs_fn}" >/dev/null; then
    fatal "secret backend %s does not define _custom_backend_%s" "${_hs_script}" "${_hs_fn}"
fi
"_custom_backend_${_hs_fn}" "$@"
