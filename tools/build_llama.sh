#!/usr/bin/env bash
# Build llama-cpp-python as a portable wheel into a cache dir keyed by version and flags.
# usage: tools/build_llama.sh PYTHON VERSION WHEEL_DIR "CMAKE_ARGS"
# The default (native) build segfaults on our machines (AMX matmul path), and pip's own
# wheel cache does not key on CMAKE_ARGS, so we never reuse a wheel we did not build here.
set -euo pipefail
py=$1 version=$2 dir=$3 flags=$4
if compgen -G "$dir/llama_cpp_python-$version-*.whl" >/dev/null; then
  exit 0
fi
parent=$(dirname "$dir")
mkdir -p "$parent"
tmp=$(mktemp -d "$parent/.build.XXXXXX")
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
echo "Building llama-cpp-python $version as a portable wheel (once per machine; 4-8 minutes on 2 cores)..."
CMAKE_ARGS="$flags" FORCE_CMAKE=1 "$py" -m pip wheel --no-deps --no-cache-dir --no-binary llama-cpp-python \
  --disable-pip-version-check -q -w "$tmp" "llama-cpp-python==$version"
printf '%s\n' "$flags" > "$tmp/CMAKE_ARGS.txt"
# Publish the finished directory in one rename: a half-built cache never exists.
mv -T "$tmp" "$dir" 2>/dev/null || true
trap - EXIT
rm -rf "$tmp"
compgen -G "$dir/llama_cpp_python-$version-*.whl" >/dev/null || { echo "error: no wheel in $dir" >&2; exit 1; }
