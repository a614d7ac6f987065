# Sourced by ./nukiweb and ./test: creates the project's virtual environment in .venv (or
# $NUKIWEB_VENV) from a hash-pinned lock file, and reinstalls only when that lock file changes.
ensure_venv() {
    local lock="$1"
    local root
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    VENV="${NUKIWEB_VENV:-$root/.venv}"
    local python="${PYTHON:-python3}"
    if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        echo "nukiweb needs Python 3.11 or newer as '$python' (set PYTHON to choose another)." >&2
        exit 1
    fi
    [ -x "$VENV/bin/python" ] || "$python" -m venv "$VENV"
    local stamp="$VENV/.installed-$(basename "$lock")"
    local want
    want="$(cat "$root/$lock" "$root/pyproject.toml" | "$VENV/bin/python" -c 'import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        # Two commands started at once (a server and an emulator) install one after the other.
        exec 9>"$VENV/.installing"
        command -v flock >/dev/null && flock 9
        if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
            echo "Installing nukiweb and its pinned dependencies into $VENV ..." >&2
            "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes -r "$root/$lock" || exit 1
            "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e "$root" || exit 1
            echo "$want" > "$stamp"
        fi
        exec 9>&-
    fi
}
