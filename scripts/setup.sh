#!/usr/bin/env bash
# Sets up what the project needs on Debian 12 (bookworm), doing only what is
# missing, so that `npm start` and `npm test` can call it every time:
#   1. apt packages: Chromium and ffmpeg (recorder), fonts, redis-server (the tests of
#      the Redis Socket.IO adapter start their own), and the build
#      dependencies of the mediasoup worker;
#   2. node_modules, reinstalled with `npm ci` whenever package-lock.json
#      changed (a stamp inside node_modules holds the lock file's sha256);
#   3. the mediasoup worker, built from source by
#      scripts/mediasoup-worker/build.sh into a cache outside the work tree.
# PostgreSQL is not set up here: the embedded PGlite database needs nothing.
#
# Usage: scripts/setup.sh [--quiet]
#   --quiet  print nothing when everything is already in place.
# Works without a terminal (CI=true, no stdin).
set -euo pipefail

quiet=false
for arg in "$@"; do
  case "$arg" in
    --quiet) quiet=true ;;
    -h | --help)
      sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "setup: unknown argument: $arg (usage: scripts/setup.sh [--quiet])" >&2
      exit 2
      ;;
  esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# The first line of output says what is being set up; with --quiet it is
# printed only once there is something to do.
announced=false
announce() {
  if ! $announced; then
    echo "Setting up classroom-recorder: system packages, node_modules, mediasoup worker"
    announced=true
  fi
}
# Progress line: always printed when something is done.
act() {
  announce
  echo "setup: $*"
}
# Status line: only without --quiet.
info() {
  if ! $quiet; then
    announce
    echo "setup: $*"
  fi
}
fail() {
  announce
  echo "setup: error: $*" >&2
  exit 1
}

$quiet || announce

# --- 1. apt packages -------------------------------------------------------
apt_packages=(
  chromium ffmpeg fonts-dejavu-core
  redis-server
  # S3-compatible store the storage tests start (OpenStack Swift with s3api)
  swift-proxy swift-object swift-container swift-account
  g++ meson ninja-build pkg-config
  libssl-dev libuv1-dev libsrtp2-dev libusrsctp-dev libabsl-dev nlohmann-json3-dev
)
missing=()
for pkg in "${apt_packages[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
  [ "$status" = "install ok installed" ] || missing+=("$pkg")
done

if [ "${#missing[@]}" -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 ||
    fail "missing system packages (${missing[*]}) and no apt-get: this project targets Debian 12"
  if [ "$(id -u)" -eq 0 ]; then
    as_root=(env)
  elif command -v sudo >/dev/null 2>&1; then
    # Without a terminal (CI) sudo must not wait for a password nobody can type.
    if [ -t 0 ]; then as_root=(sudo); else as_root=(sudo -n); fi
  else
    fail "missing system packages: ${missing[*]}. Install them as root: apt-get install -y ${missing[*]}"
  fi
  act "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" DEBIAN_FRONTEND=noninteractive apt-get update -q ||
    fail "apt-get update failed (are you root, or allowed to sudo?)"
  "${as_root[@]}" DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" </dev/null ||
    fail "could not install: ${missing[*]}. Install them as root: apt-get install -y ${missing[*]}"
else
  info "system packages present"
fi

# --- 2. node_modules --------------------------------------------------------
stamp="node_modules/.classroom-recorder-lock.sha256"
lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -d node_modules ] || [ "$(cat "$stamp" 2>/dev/null || true)" != "$lock_hash" ]; then
  act "installing node_modules (npm ci)"
  # Any non-empty MEDIASOUP_WORKER_BIN makes mediasoup's postinstall skip its
  # download and pip/meson build, which cannot work on a closed network; the
  # worker is built in step 3 instead.
  MEDIASOUP_WORKER_BIN="${MEDIASOUP_WORKER_BIN:-built-by-scripts/setup.sh}" \
    npm ci --no-audit --no-fund </dev/null || fail "npm ci failed"
  echo "$lock_hash" >"$stamp"
else
  info "node_modules up to date with package-lock.json"
fi

# --- 3. mediasoup worker ----------------------------------------------------
if [ -n "${MEDIASOUP_WORKER_BIN:-}" ]; then
  [ -x "$MEDIASOUP_WORKER_BIN" ] ||
    fail "MEDIASOUP_WORKER_BIN=$MEDIASOUP_WORKER_BIN is not an executable file (unset it to build the worker)"
  info "mediasoup worker: $MEDIASOUP_WORKER_BIN (from MEDIASOUP_WORKER_BIN)"
else
  # build.sh is cached and silent on stderr unless it builds; when it does,
  # its progress lines follow our first line.
  worker_bin="$(
    bash scripts/mediasoup-worker/build.sh 2> >(
      while IFS= read -r line; do
        announce
        echo "$line"
      done >&2
    )
  )" || fail "building the mediasoup worker failed (see the output above)"
  info "mediasoup worker: $worker_bin"
fi

info "done"
