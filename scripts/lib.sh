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

# Debian packages, as root or through sudo.
apt_install() {
  say "Installing $* (Debian packages)"
  local sudo=
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

# Java 17 or later for the Spark Connect server; Debian's package if missing.
ensure_java() {
  local version
  version=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)
  if [ -z "$version" ] || [ "$version" -lt 17 ]; then
    apt_install openjdk-17-jre-headless
  fi
}

# test_catalogs DIR: compiles the test catalogs of tests/catalog/ (VersionedCatalog, SlowCatalog)
# against pyspark's jars (a JDK's javac, from Debian when missing) into DIR/test-catalogs.jar;
# prints its path.
test_catalogs() {
  local dir=$1
  command -v javac >/dev/null || apt_install openjdk-17-jdk-headless
  mkdir -p "$dir/classes"
  javac -nowarn -cp "$(spark_home)/jars/*" -d "$dir/classes" \
    "$ROOT"/tests/catalog/*.java 2>&1 | grep -v '^Note:' >&2 || true
  (cd "$dir/classes" && jar cf "$dir/test-catalogs.jar" .)
  echo "$dir/test-catalogs.jar"
}

# Debian's nginx and openssl for the TLS test (a private CA in front of a gRPC server).
ensure_tls_tools() {
  local missing=()
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
  command -v openssl >/dev/null || missing+=(openssl)
  if [ ${#missing[@]} -gt 0 ]; then
    apt_install "${missing[@]}"
  fi
  case ":$PATH:" in *:/usr/sbin:*) ;; *) export PATH="$PATH:/usr/sbin" ;; esac
}

# Debian's chromium and Node.js for the browser test; with `fonts`, also CJK and emoji fonts
# (for screenshots that show every character).
ensure_browser() {
  local missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  command -v node >/dev/null || missing+=(nodejs)
  command -v npm >/dev/null || missing+=(npm)
  if [ "${1:-}" = fonts ]; then
    dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
    dpkg -s fonts-noto-color-emoji >/dev/null 2>&1 || missing+=(fonts-noto-color-emoji)
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    apt_install "${missing[@]}"
  fi
  ensure_playwright
}

# playwright-core and JupyterHub's configurable-http-proxy from npm, pinned by
# tests/browser/package-lock.json, cached; never downloads a browser (Debian's chromium is used).
# Exports SPARK_SQL_KERNEL_TEST_PLAYWRIGHT and SPARK_SQL_KERNEL_TEST_CHP.
ensure_playwright() {
  local hash dir
  hash=$(cat "$ROOT/tests/browser/package.json" "$ROOT/tests/browser/package-lock.json" | sha256sum | cut -c1-12)
  dir="$CACHE/node-$hash"
  if [ ! -f "$dir/.complete" ]; then
    say "playwright-core from npm in $dir"
    rm -rf "$dir"
    mkdir -p "$dir"
    cp "$ROOT/tests/browser/package.json" "$ROOT/tests/browser/package-lock.json" "$dir/"
    (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
    touch "$dir/.complete"
  fi
  export SPARK_SQL_KERNEL_TEST_PLAYWRIGHT="$dir/node_modules/playwright-core"
  export SPARK_SQL_KERNEL_TEST_CHP="$dir/node_modules/.bin/configurable-http-proxy"
}

# ensure_labextension PREFIX: the explorer's JupyterLab extension, built from labextension/
# by the wheel's own build step (python/build/spark_sql_kernel_build.py: jlpm with the packages
# its yarn.lock pins, JupyterLab's builder, checked), copied where Jupyter under PREFIX finds it
# (share/jupyter/labextensions).
ensure_labextension() {
  local prefix=$1 out
  say "The explorer's JupyterLab extension"
  out=$("$PY" "$ROOT/python/build/spark_sql_kernel_build.py" | tail -n 1)
  mkdir -p "$prefix/share/jupyter/labextensions"
  rm -rf "$prefix/share/jupyter/labextensions/spark-sql-kbase-explorer"
  cp -r "$out" "$prefix/share/jupyter/labextensions/"
}

# isolate_jupyter DIR: a private Jupyter data/config/runtime area under DIR (the caller's
# temporary folder, removed by its trap), so only the kernelspec under test is seen.
isolate_jupyter() {
  local dir=$1
  export JUPYTER_DATA_DIR="$dir/data" JUPYTER_CONFIG_DIR="$dir/config" JUPYTER_RUNTIME_DIR="$dir/runtime"
  # The kernels' journal too: the run's, not the user's ~/.local/share/spark-sql-kernel.
  export SPARK_SQL_KERNEL_JOURNAL="$dir/journal.sqlite"
  unset JUPYTER_PATH
  mkdir -p "$JUPYTER_DATA_DIR" "$JUPYTER_CONFIG_DIR" "$JUPYTER_RUNTIME_DIR"
}

# start_lab DIR LOG: JupyterLab from the venv on 127.0.0.1 (a free port, a fresh token), serving
# DIR, its kernels getting the current environment; sets LAB_PID, LAB_URL and LAB_TOKEN.
start_lab() {
  local dir=$1 log=$2 port
  port=$(free_port)
  LAB_TOKEN=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
  LAB_URL="http://127.0.0.1:$port"
  "$VENV/bin/jupyter" lab --no-browser --ip=127.0.0.1 --port="$port" --IdentityProvider.token="$LAB_TOKEN" \
    --allow-root --ServerApp.root_dir="$dir" --LabApp.news_url= \
    --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate >"$log" 2>&1 &
  LAB_PID=$!
  for _ in $(seq 300); do
    if "$PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
      "$LAB_URL/api/status?token=$LAB_TOKEN" 2>/dev/null; then
      return 0
    fi
    kill -0 "$LAB_PID" 2>/dev/null || break
    sleep 0.2
  done
  echo "JupyterLab did not start:" >&2
  tail -n 20 "$log" >&2
  return 1
}

# spark_home: pyspark's directory in the venv (its bin/spark-submit and jars run the server).
spark_home() {
  "$PY" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))'
}

# ensure_spark_line VERSION: pyspark VERSION alone (no dependencies: only its jars and bin/
# run a server) in a folder of its own under the cache, for a Spark line other than the venv's;
# prints the SPARK_HOME to use. A second call finds the first one's install.
ensure_spark_line() {
  local version=$1 dir
  dir="$CACHE/spark-$version"
  if [ ! -f "$dir/.complete" ]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    python3 -m pip install --quiet --disable-pip-version-check --no-deps --no-compile \
      --target "$dir/lib" "pyspark==$version" >&2
    touch "$dir/.complete"
  fi
  echo "$dir/lib/pyspark"
}

# launch_spark PORT DIR [spark-submit args]: starts the venv's Spark Connect server in the
# background (scripts/spark-connect-server, log in DIR/server.log) and sets SPARK_PID. The
# server checks SPARK_CONNECT_AUTHENTICATE_TOKEN when it is set.
launch_spark() {
  local port=$1 dir=$2
  shift 2
  ensure_java
  SPARK_HOME=$(spark_home)
  export SPARK_HOME
  mkdir -p "$dir"
  "$ROOT/scripts/spark-connect-server" "$port" "$dir" "$@" >"$dir/server.log" 2>&1 &
  SPARK_PID=$!
}

# launch_spark_line VERSION PORT DIR [spark-submit args]: as launch_spark, from pyspark
# VERSION's own install (ensure_spark_line, made first in the same background job); sets
# LINE_PID (the JVM, once the install is done: the job execs it).
launch_spark_line() {
  local version=$1 port=$2 dir=$3
  shift 3
  ensure_java
  mkdir -p "$dir"
  (
    SPARK_HOME=$(ensure_spark_line "$version")
    export SPARK_HOME
    exec "$ROOT/scripts/spark-connect-server" "$port" "$dir" "$@"
  ) >"$dir/server.log" 2>&1 &
  LINE_PID=$!
}

# launch_shared_cluster PORT DIR: BERDL's shared compute in small: a Spark standalone master and
# one worker (pyspark's own classes, run through bin/spark-class) and a Spark Connect server on
# them with dynamic allocation from zero executors, so the first query after an idle spell
# waits for an executor to start. Executors come and go while the tests run: their block
# managers listen on ports from 24100 up, below the system's ephemeral range, so that they never
# take a port a test picked with bind(0) and has yet to use. Sets SHARED_PIDS (master, worker,
# Connect server).
launch_shared_cluster() {
  local port=$1 dir=$2 master_port home
  ensure_java
  home=$(spark_home)
  master_port=$(free_port)
  mkdir -p "$dir/work"
  SPARK_HOME=$home SPARK_LOCAL_IP=127.0.0.1 "$home/bin/spark-class" org.apache.spark.deploy.master.Master \
    --host 127.0.0.1 --port "$master_port" --webui-port "$(free_port)" >"$dir/master.log" 2>&1 &
  SHARED_PIDS=("$!")
  SPARK_HOME=$home SPARK_LOCAL_IP=127.0.0.1 "$home/bin/spark-class" org.apache.spark.deploy.worker.Worker \
    --host 127.0.0.1 --cores 2 --memory 2g --webui-port "$(free_port)" --work-dir "$dir/work" \
    "spark://127.0.0.1:$master_port" >"$dir/worker.log" 2>&1 &
  SHARED_PIDS+=("$!")
  SPARK_HOME=$home "$ROOT/scripts/spark-connect-server" "$port" "$dir/connect" \
    --master "spark://127.0.0.1:$master_port" \
    --conf spark.dynamicAllocation.enabled=true \
    --conf spark.dynamicAllocation.shuffleTracking.enabled=true \
    --conf spark.dynamicAllocation.minExecutors=0 --conf spark.dynamicAllocation.initialExecutors=0 \
    --conf spark.dynamicAllocation.executorIdleTimeout=2s \
    --conf spark.dynamicAllocation.shuffleTracking.timeout=2s \
    --conf spark.executor.memory=512m --conf spark.executor.cores=1 \
    --conf spark.blockManager.port=24100 --conf spark.port.maxRetries=32 >"$dir/server.log" 2>&1 &
  SHARED_PIDS+=("$!")
}

# wait_spark PORT DIR TOKEN: waits until the server answers a real query (2 min at most).
wait_spark() {
  local port=$1 dir=$2 token=$3
  if ! SPARK_CONNECT_TOKEN=$token "$PY" "$ROOT/scripts/spark_connect_ready.py" "127.0.0.1:$port" 120; then
    tail -n 30 "$dir/server.log" >&2
    return 1
  fi
}

# A fresh token shaped like a KBase token (20 random bytes in Base32: 32 characters of A-Z2-7).
new_token() {
  python3 -c 'import base64, secrets; print(base64.b32encode(secrets.token_bytes(20)).decode())'
}

# start_standin CONFIG DIR: the repository's KBase Auth2 stand-in (scripts/kbase_auth_standin.py)
# with the JSON config CONFIG, its output in DIR/standin.{out,log}; sets STANDIN_PID and exports
# KBASE_AUTH_URL. Stops the script with the stand-in's log when it does not start, so that
# nothing ever falls back to the production Auth2 URL.
start_standin() {
  local config=$1 dir=$2
  mkdir -p "$dir"
  printf '%s\n' "$config" > "$dir/standin.json"
  python3 "$ROOT/scripts/kbase_auth_standin.py" --config "$dir/standin.json" \
    > "$dir/standin.out" 2> "$dir/standin.log" &
  STANDIN_PID=$!
  local url=
  for _ in $(seq 100); do
    url=$(sed -n 's/^listening on //p' "$dir/standin.out" 2>/dev/null)
    [ -n "$url" ] && break
    kill -0 "$STANDIN_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$url" ]; then
    echo "the KBase Auth2 stand-in did not start:" >&2
    tail -n 20 "$dir/standin.log" >&2
    return 1
  fi
  export KBASE_AUTH_URL=$url
}

# stop PID...: stops background processes and waits for them.
stop() {
  local pid
  for pid in "$@"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}

# A free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
