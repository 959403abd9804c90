# Sourced by scripts/run and scripts/test: the project's virtualenv, kept in step
# with a requirements file. Not meant to be run by itself.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PYTHON="$VENV/bin/python"

# ensure_venv REQUIREMENTS_FILE
# Creates .venv (python3.11, else python3) when missing, then installs the
# requirements unless the files' hash matches the stamp left by the last install.
ensure_venv() {
  local requirements="$ROOT/$1"
  if [ ! -x "$PYTHON" ]; then
    local base
    base="$(command -v python3.11 || command -v python3 || true)"
    if [ -z "$base" ]; then
      echo "Python 3.11 (or python3) is needed to create .venv" >&2
      exit 1
    fi
    echo "Creating .venv with $base"
    "$base" -m venv "$VENV"
  fi
  local stamp="$VENV/.installed-$(basename "$1" .txt).sha256"
  # requirements-dev.txt includes requirements.txt: hash both.
  local digest
  digest="$(cat "$requirements" "$ROOT/requirements.txt" | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
    echo "Installing $1 into .venv"
    "$PYTHON" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    echo "$digest" > "$stamp"
  fi
  compile_catalogs
}

# compile_catalogs: translations/*/LC_MESSAGES/messages.po -> .mo (the .mo files
# are build output, not committed). Cheap, so it runs on every start.
compile_catalogs() {
  "$PYTHON" -c "import sys; from babel.messages.frontend import main; sys.argv[0] = 'pybabel'; main()" \
    -q compile -d "$ROOT/translations" -D messages
}
