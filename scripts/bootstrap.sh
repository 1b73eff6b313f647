# Shared set-up for scripts/main.sh and scripts/test.sh: sourced, not run.
# Creates .venv with the project installed, so a fresh clone on a fresh Debian machine with
# Python 3.11 needs nothing else. Installs Debian packages only when root and only if missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PYTHON="${PYTHON:-python3}"

say() { printf '==> %s\n' "$*" >&2; }

apt_install() {
  # apt_install PACKAGE...: install Debian packages if we are root, else say how.
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Debian packages: $*"
    if [ -z "${WEBNPU_APT_UPDATED:-}" ]; then
      DEBIAN_FRONTEND=noninteractive apt-get update -qq
      export WEBNPU_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  else
    echo "error: missing $*; install with: sudo apt-get install $*" >&2
    exit 1
  fi
}

ensure_python() {
  if ! "$PYTHON" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
    echo "error: Python 3.11 or newer is needed as '$PYTHON' (set PYTHON=... to choose one)" >&2
    exit 1
  fi
}

ensure_sandbox_libraries() {
  # The service's seccomp layer loads libseccomp.so.2 (through pyseccomp) and refuses to start
  # without it.
  if ! { ldconfig -p || /sbin/ldconfig -p; } 2>/dev/null | grep -q 'libseccomp\.so\.2 '; then
    apt_install libseccomp2
  fi
}

ensure_strace() {
  # The sandbox tests and python -m python_service.sandbox.trace run the service under strace.
  if ! command -v strace >/dev/null; then
    apt_install strace
  fi
}

ensure_clang_format() {
  # The tests check the generated C++ (blink, cpp, gecko) with clang-format; generation does not run it.
  if ! command -v clang-format >/dev/null; then
    apt_install clang-format
  fi
}

ensure_gn() {
  # The Blink/Mojo tests run `gn format --dry-run` on the generated BUILD.gn and .gni files.
  if ! command -v gn >/dev/null; then
    apt_install generate-ninja
  fi
}

ensure_git() {
  # tests/patches/ check the browser patches with `git apply --check` and `git am`.
  if ! command -v git >/dev/null; then
    apt_install git
  fi
}

ensure_cxx() {
  # The native wire library (native/) is compiled with g++ by tests/native/, which also builds
  # its test driver with AddressSanitizer (Debian's g++ brings libasan and libubsan).
  if ! command -v g++ >/dev/null; then
    apt_install g++
  fi
}

ensure_python_headers() {
  # The fuzzers' coverage callbacks (fuzz/fasttrace.c) are a C extension built on first use
  # with the compiler Python was built with (gcc, which ensure_cxx's g++ brings) and this
  # Python's headers (Python.h).
  if ! "$VENV/bin/python" -c 'import pathlib, sys, sysconfig
sys.exit(not (pathlib.Path(sysconfig.get_paths()["include"]) / "Python.h").is_file())'; then
    apt_install python3-dev
  fi
}

ensure_zip() {
  # fuzz/oss_fuzz_build.sh zips each target's seed corpus as OSS-Fuzz expects;
  # tests/fuzz/test_bundle.py runs it.
  if ! command -v zip >/dev/null; then
    apt_install zip
  fi
}

ensure_chromium() {
  # tests/browser and bench/browser.py drive Debian's headless Chromium through Playwright's
  # Python package (executable_path=/usr/bin/chromium; never `playwright install`).
  if [ ! -x /usr/bin/chromium ]; then
    apt_install chromium chromium-driver
  fi
}

ensure_venv() {
  # ensure_venv EXTRAS: .venv with the project (editable) and the given extras installed.
  local extras="$1"
  ensure_python
  ensure_sandbox_libraries
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV"
    if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
      rm -rf "$VENV"
      apt_install python3-venv
      "$PYTHON" -m venv "$VENV"
    fi
  fi
  local stamp="$VENV/.installed-${extras:-base}" spec="$ROOT"
  [ -n "$extras" ] && spec="$ROOT[$extras]"
  if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
    say "installing the project and its dependencies into $VENV (${extras:-base})"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e "$spec"
    touch "$stamp"
  fi
}

ensure_node() {
  # The WebIDL tests compare against webidl2 (node) on the @webref/idl corpus (npm).
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    apt_install nodejs npm
  fi
  if [ ! -d "$ROOT/tests/node/node_modules" ] || \
     [ "$ROOT/tests/node/package-lock.json" -nt "$ROOT/tests/node/node_modules" ]; then
    say "installing the tests' npm packages (tests/node)"
    (cd "$ROOT/tests/node" && npm ci --silent --no-audit --no-fund)
    touch "$ROOT/tests/node/node_modules"
  fi
}
