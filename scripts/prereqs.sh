# Sourced by demo.sh and test.sh: installs the Debian packages the scripts need when
# they are missing (needs apt; uses sudo only when not root).
ensure_apt() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "Installing ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        "${missing[@]}"
}

ensure_rust_components() {
    command -v cargo >/dev/null || { echo "cargo not found: install Rust first" >&2; exit 1; }
    for comp in "$@"; do
        if ! cargo "${comp/rustfmt/fmt}" --version >/dev/null 2>&1; then
            rustup component add "$comp"
        fi
    done
}
