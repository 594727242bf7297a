#!/usr/bin/env bash
# Builds mediasoup's C++ worker from the sources shipped in its npm package,
# against Debian's system libraries, into a cache outside the work tree.
# The cache key is the mediasoup version plus a hash of this recipe, so the
# ~5 minute build is paid once per machine and recipe.
# Prints the path of the binary on stdout (everything else goes to stderr).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
recipe_dir="$root/scripts/mediasoup-worker"
src="$root/node_modules/mediasoup/worker"
[ -d "$src" ] || { echo "mediasoup is not installed (run npm ci first)" >&2; exit 1; }

version="$(node -p "require('$root/node_modules/mediasoup/package.json').version")"
key="$(cat "$recipe_dir/build.sh" "$recipe_dir/patch-meson.mjs" | sha256sum | cut -c1-12)"
cache_root="${CLASSROOM_RECORDER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/classroom-recorder}"
out_dir="$cache_root/mediasoup-worker/$version-$key"
bin="$out_dir/mediasoup-worker"

if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi

echo "building mediasoup-worker $version (recipe $key), about 5 minutes on 2 cores..." >&2
work="$(mktemp -d "${TMPDIR:-/tmp}/mediasoup-worker-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cp -a "$src/." "$work/"
node "$recipe_dir/patch-meson.mjs" "$work"
(
  cd "$work"
  # Debian installs srtp.h under srtp2/.
  CXXFLAGS="-I/usr/include/srtp2" meson setup build --buildtype=release --wrap-mode=nodownload >&2
  ninja -C build mediasoup-worker >&2
)
mkdir -p "$out_dir"
# Copy then rename: a concurrent reader never sees a half-written binary.
cp "$work/build/mediasoup-worker" "$out_dir/.mediasoup-worker.tmp"
mv "$out_dir/.mediasoup-worker.tmp" "$bin"
echo "$bin"
