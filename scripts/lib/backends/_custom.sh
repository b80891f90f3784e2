#!/usr/bin/env bash
# Helper for custom secret backends that find their references with a regular expression, as helm-secrets'
# examples/backends (vault.sh, doppler.sh) and their users' scripts expect it: a backend sets _BACKEND_REGEX (a grep
# basic regular expression whose match is "PREFIX SECRET", e.g. `!vault secret/app#password`), sources this file
# (`. "${HELM_SECRETS_SCRIPT_DIR}/lib/backends/_custom.sh"`, or `${SCRIPT_DIR}/...`) and overrides
# _custom_backend_get_secret TYPE SECRET (prints the value) and, when a value is a YAML document,
# _custom_backend_is_yaml TYPE SECRET. Every function here may be overridden after sourcing.
#
# Decryption turns each distinct match into a YAML alias: the value is defined once, at the top, as an anchored
# hidden key (`.helm-secret-NAME: &helm-secret-NAME VALUE`), and each occurrence becomes `*helm-secret-NAME`.
# Scratch files go to $TMPDIR, which the plugin points at a private directory it removes afterwards.

_custom_backend_is_yaml() {
    false
}

_custom_backend_get_secret() {
    fatal "Please override function '_custom_backend_get_secret' in your backend!"
}

_custom_backend_is_encrypted() {
    LC_ALL=C.UTF-8 grep -q -e "${_BACKEND_REGEX}" -
}

_custom_backend_is_file_encrypted() {
    _custom_backend_is_encrypted <"${1}"
}

_custom_backend_encrypt_file() {
    fatal "Encrypting files is not supported!"
}

_custom_backend_edit_file() {
    fatal "custom: Editing files is not supported!"
}

_custom_backend_decrypt_literal() {
    _custom_backend_get_secret "${1}"
}

# TYPE INPUT [OUTPUT]: OUTPUT empty means stdout; OUTPUT = INPUT rewrites INPUT.
_custom_backend_decrypt_file() {
    _hs_type="${1}"
    _hs_in="${2}"
    _hs_out="${3:-}"
    _hs_defs="$(_mktemp)"
    _hs_found="$(_mktemp)"

    # The whole input, with its document separators dropped (the anchors must be in the same document as the
    # aliases), kept byte for byte otherwise (the trailing x keeps trailing newlines through $(...)).
    _hs_text="$({ grep -v -x -e '---' "${_hs_in}" || true; }; printf x)"
    _hs_text="${_hs_text%x}"

    LC_ALL=C.UTF-8 grep -o -e "${_BACKEND_REGEX}" "${_hs_in}" | LC_ALL=C sort -u >"${_hs_found}" || true

    while IFS= read -r _hs_match; do
        _hs_secret="${_hs_match#* }"
        if ! _hs_value="$(_custom_backend_get_secret "${_hs_type}" "${_hs_secret}")"; then
            exit 1
        fi
        _hs_anchor="helm-secret-$(printf '%s' "${_hs_secret}" | tr '#$/*.' '_____')"
        # A literal replacement (quoted pattern): the match may hold any regex or sed metacharacter.
        _hs_text="${_hs_text//"${_hs_match}"/"*${_hs_anchor}"}"
        if _custom_backend_is_yaml "${_hs_type}" "${_hs_secret}"; then
            {
                printf '.%s: &%s\n' "${_hs_anchor}" "${_hs_anchor}"
                printf '%s\n' "${_hs_value}" | sed -e 's/^/  /'
                printf '\n'
            } >>"${_hs_defs}"
        else
            printf '.%s: &%s %s\n\n' "${_hs_anchor}" "${_hs_anchor}" "${_hs_value}" >>"${_hs_defs}"
        fi
    done <"${_hs_found}"

    if [ "${_hs_out}" = "" ]; then
        cat "${_hs_defs}"
        printf '%s' "${_hs_text}"
    else
        {
            cat "${_hs_defs}"
            printf '%s' "${_hs_text}"
        } >"${_hs_out}.tmp.$$"
        mv -f "${_hs_out}.tmp.$$" "${_hs_out}"
    fi
}
