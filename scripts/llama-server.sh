#!/usr/bin/env bash
# Builds llama.cpp's llama-server once and prints its path.
#
# The llama.cpp source comes from the npm package node-llama-cpp (MIT), which
# carries it as a git bundle (llama/gitRelease.bundle); only the npm registry
# and Debian's cmake/g++ are needed. Everything lives in a cache folder outside
# the clone, and a binary that is already built is reused: a cold build takes
# about 16 minutes on 2 cores, a warm run well under a second.
#
#   scripts/llama-server.sh           # prints .../build/bin/llama-server
#   scripts/llama-server.sh --vocab   # prints the vocab-only GGUF the tests use
#
# NODE_LLAMA_CPP_VERSION picks another package version; AGENTDESK_CI_CACHE
# another cache folder. Progress goes to stderr, the path alone to stdout.
set -euo pipefail

version=${NODE_LLAMA_CPP_VERSION:-3.21.1}
cache=${AGENTDESK_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/agentdesk-ci}/llama-$version
bin=$cache/build/bin/llama-server
vocab=$cache/src/models/ggml-vocab-qwen2.gguf

log() { echo "llama-server.sh: $*" >&2; }

fetch_source() {
  mkdir -p "$cache"
  local pkg=$cache/node_modules/node-llama-cpp
  if [ ! -f "$pkg/llama/gitRelease.bundle" ]; then
    log "installing node-llama-cpp@$version from the npm registry"
    # --ignore-scripts: its postinstall would fetch prebuilt addons; only the source is wanted.
    (cd "$cache" && npm i -E --ignore-scripts --no-audit --no-fund --omit=optional \
      "node-llama-cpp@$version" >&2)
  fi
  if [ ! -f "$cache/src/CMakeLists.txt" ]; then
    log "unpacking the llama.cpp source bundle"
    rm -rf "$cache/src.tmp"
    git clone -q "$pkg/llama/gitRelease.bundle" "$cache/src.tmp" >&2 2>&1
    mv "$cache/src.tmp" "$cache/src"
  fi
}

case "${1:-}" in
  --vocab)
    [ -f "$vocab" ] || fetch_source
    echo "$vocab"; exit 0 ;;
  "") ;;
  *) echo "usage: $0 [--vocab]" >&2; exit 2 ;;
esac

if [ -x "$bin" ]; then echo "$bin"; exit 0; fi

command -v cmake >/dev/null || { log "cmake is not installed (apt-get install cmake g++)"; exit 1; }
command -v g++ >/dev/null || { log "g++ is not installed (apt-get install g++)"; exit 1; }
fetch_source

buildlog=$cache/build.log
log "building llama-server (cold build: about 16 minutes on 2 cores; log in $buildlog)"
failed() { tail -n 40 "$buildlog" >&2; log "build failed (whole log: $buildlog)"; exit 1; }
# The UI flags keep cmake from downloading a web UI; no OpenSSL, tests or examples.
cmake -S "$cache/src" -B "$cache/build" -DCMAKE_BUILD_TYPE=Release \
  -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_CURL=OFF \
  -DGGML_NATIVE=OFF -DBUILD_SHARED_LIBS=OFF >"$buildlog" 2>&1 || failed
start=$SECONDS
cmake --build "$cache/build" --target llama-server -j "$(nproc)" >>"$buildlog" 2>&1 || failed
[ -x "$bin" ] || { log "build finished but $bin is missing"; exit 1; }
log "built in $((SECONDS - start)) s"
echo "$bin"
