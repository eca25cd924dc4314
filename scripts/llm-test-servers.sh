#!/usr/bin/env bash
# Starts (or stops) the real model servers the LLM tests talk to: llama.cpp's
# llama-server with a tiny random-weight model, on loopback.
#
#   scripts/llm-test-servers.sh start DIR   # build or reuse, start, write DIR/env
#   . DIR/env                               # AGENTDESK_TEST_LLM_URL, AGENTDESK_TEST_LLM_RAW_URL
#   go test ./e2e/ -run LLM
#   scripts/llm-test-servers.sh stop DIR
#
# Two servers from one model: "plain" has a default grammar that makes
# short plain-text sentences (drafts a desk can show); "raw" has none, so
# it streams random tokens as a broken model would. The llama-server binary
# comes from scripts/llama-server.sh (cached; a cold build takes ~16 min on
# 2 cores); the model from internal/gguf/tinymodel, cached beside it.
set -euo pipefail
cd "$(dirname "$0")/.."

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

stop() {
  for f in "$dir"/*.pid; do
    [ -f "$f" ] || continue
    kill "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
  done
}

if [ "$cmd" = stop ]; then stop; exit 0; fi
[ "$cmd" = start ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

mkdir -p "$dir"
bin=$(scripts/llama-server.sh)
vocab=$(scripts/llama-server.sh --vocab)
model=$(dirname "$(dirname "$(dirname "$bin")")")/tiny-random-qwen2.gguf
if [ ! -f "$model" ]; then
  go run ./internal/gguf/tinymodel -vocab "$vocab" -out "$model"
fi

free_port() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

# start NAME [extra flags…]: prints the base URL once /health answers.
start() {
  local name=$1; shift
  local port; port=$(free_port)
  # -c is shared by the --parallel slots: 4 slots of 4096 tokens each.
  "$bin" -m "$model" --host 127.0.0.1 --port "$port" --no-webui --chat-template chatml \
    -c 16384 --parallel 4 --threads 1 --seed 1 "$@" >"$dir/$name.log" 2>&1 &
  echo $! >"$dir/$name.pid"
  for _ in $(seq 300); do
    if curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; then
      echo "http://127.0.0.1:$port/v1"; return 0
    fi
    if ! kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null; then break; fi
    sleep 0.2
  done
  echo "llama-server ($name) did not come up; its log:" >&2
  tail -n 30 "$dir/$name.log" >&2
  stop
  return 1
}

plain=$(start plain --grammar-file e2e/testdata/llm/plain.gbnf)
raw=$(start raw)
cat >"$dir/env" <<ENV
export AGENTDESK_TEST_LLM_URL=$plain
export AGENTDESK_TEST_LLM_RAW_URL=$raw
ENV
echo "llama-server plain at $plain, raw at $raw (logs in $dir)" >&2
