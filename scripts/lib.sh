# Shared by scripts/test and scripts/demo: installs what the project needs, idempotently.
# Source it; it sets VENV and PY.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${SPARK_SQL_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/spark-sql-kernel}

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# A Python venv with scripts/requirements.txt, keyed by the requirements' hash so a change
# makes a fresh one and a second run reuses the first.
ensure_python_env() {
  local hash
  hash=$(sha256sum "$ROOT/scripts/requirements.txt" | cut -c1-12)
  VENV="$CACHE/venv-$hash"
  PY="$VENV/bin/python"
  if [ ! -f "$VENV/.complete" ]; then
    say "Python environment (first run: about a minute) in $VENV"
    command -v python3 >/dev/null || { echo "python3 is required" >&2; return 1; }
    rm -rf "$VENV"
    mkdir -p "$CACHE"
    python3 -m venv "$VENV"
    "$PY" -m pip install --quiet --upgrade pip
    "$PY" -m pip install --quiet -r "$ROOT/scripts/requirements.txt"
    touch "$VENV/.complete"
  fi
  export VENV PY
}

# Java 17 or later for the Spark Connect server; Debian's package if missing.
ensure_java() {
  local version
  version=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)
  if [ -z "$version" ] || [ "$version" -lt 17 ]; then
    say "Installing Java 17 (openjdk-17-jre-headless)"
    if [ "$(id -u)" = 0 ]; then
      apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q openjdk-17-jre-headless
    else
      sudo apt-get update -q && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q openjdk-17-jre-headless
    fi
  fi
}

# A private Jupyter data/config/runtime area, so only the kernelspec under test is seen.
isolate_jupyter() {
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/spark-sql-kernel-jupyter.XXXXXX")
  export JUPYTER_DATA_DIR="$dir/data" JUPYTER_CONFIG_DIR="$dir/config" JUPYTER_RUNTIME_DIR="$dir/runtime"
  unset JUPYTER_PATH
  mkdir -p "$JUPYTER_DATA_DIR" "$JUPYTER_CONFIG_DIR" "$JUPYTER_RUNTIME_DIR"
}
