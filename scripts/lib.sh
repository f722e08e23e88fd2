# Shared helpers for scripts/start and scripts/test (sourced, not run).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

say() { printf '\033[1;34m==> %s\033[0m\n' "$*"; }

# apt_ensure PKG...: install the Debian packages that are missing (as root, or through passwordless sudo).
apt_ensure() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo"; else
      say "Cannot install ${missing[*]} (not root, no sudo); continuing without them."; return 0; fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    say "No apt-get here; please install: ${missing[*]}"; return 0
  fi
  say "Installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || say "apt-get could not install ${missing[*]}; continuing without them."
}

# venv_ensure REQUIREMENTS_FILE: a .venv with exactly what the file pins (reinstalls only when it changes).
venv_ensure() {
  local req="$1"
  if [ ! -x .venv/bin/python ]; then
    say "Creating the virtual environment (.venv) with $PYTHON"
    "$PYTHON" -m venv .venv
  fi
  local stamp=".venv/.installed-$(cat requirements*.txt | sha256sum | cut -c1-16)-$(basename "$req")"
  if [ ! -f "$stamp" ]; then
    say "Installing Python packages from $req"
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -r "$req"
    touch "$stamp"
  fi
  export PATH="$ROOT/.venv/bin:$PATH"
}
