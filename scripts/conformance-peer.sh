#!/usr/bin/env bash
# The Pusher conformance suite (tests/conformance) against Confab and against Sockudo, side by
# side, written to CONFORMANCE.md:
#
#   bash scripts/conformance-peer.sh
#
# Builds confab in release (CONFORMANCE_SKIP_BUILD=1: use the binary already built), starts it on
# free ports (SQLite in a temporary folder, one app), runs the suite; then the same for Sockudo
# (SOCKUDO_BIN, default /root/.cache/sockudo/bin/sockudo, from
# `cargo install sockudo --version 5.2.0 --locked --root /root/.cache/sockudo`, which needs Debian's
# protobuf-compiler), configured like a Pusher app with client events and user authentication
# on; without it the table has Confab's column only. Needs Node.js and `npm ci` in tests/js.
# Every server it starts is stopped on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/sockudo.sh
source scripts/sockudo.sh
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
SOCKUDO_BIN=${SOCKUDO_BIN:-/root/.cache/sockudo/bin/sockudo}
APP_ID=conformance-app
APP_KEY=conformance-key
APP_SECRET=conformance-secret
RUN=$(mktemp -d /tmp/confab-conformance.XXXXXX)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_for() {
    for _ in $(seq 1 100); do
        curl -fsS "$1" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "no answer from $1" >&2
    exit 1
}
suite() {
    CONFORMANCE_PORTS=$1 CONFORMANCE_APP_ID=$APP_ID CONFORMANCE_APP_KEY=$APP_KEY \
        CONFORMANCE_APP_SECRET=$APP_SECRET node tests/conformance/suite.mjs >"$2"
    tail -1 "$2"
}

[[ -d tests/js/node_modules ]] || (cd tests/js && npm ci --no-audit --no-fund --loglevel=error)
if [[ ${CONFORMANCE_SKIP_BUILD:-0} != 1 ]]; then
    cargo build --release -p confab
fi

# ---- Confab, one node
WS_PORT=$(free_port)
mkdir -p "$RUN/confab"
CONFAB_DATA_DIR="$RUN/confab" CONFAB_HTTP_ADDR="127.0.0.1:$(free_port)" \
    REVERB_SERVER_HOST=127.0.0.1 REVERB_SERVER_PORT="$WS_PORT" \
    REVERB_APP_ID=$APP_ID REVERB_APP_KEY=$APP_KEY REVERB_APP_SECRET=$APP_SECRET \
    "$CARGO_TARGET_DIR/release/confab" serve >"$RUN/confab/server.log" 2>&1 &
PIDS+=($!)
wait_for "http://127.0.0.1:$WS_PORT/up"
CONFAB_VERSION=$("$CARGO_TARGET_DIR/release/confab" --version | head -1)
echo "confab: $(suite "$WS_PORT" "$RUN/confab.jsonl")"
COLUMNS=("$CONFAB_VERSION ($(git rev-parse --short HEAD))=$RUN/confab.jsonl")

# ---- Sockudo
if [[ -x $SOCKUDO_BIN ]]; then
    WS_PORT=$(free_port)
    # Configured as a Pusher app with client events and user authentication on.
    start_sockudo_in "$RUN/sockudo" "$WS_PORT" <<CONF
SOCKUDO_DEFAULT_APP_ENABLE_CLIENT_MESSAGES=true
SOCKUDO_DEFAULT_APP_ENABLE_USER_AUTHENTICATION=true
CONF
    PIDS+=("$SOCKUDO_PID")
    SOCKUDO_VERSION=$("$SOCKUDO_BIN" --version 2>/dev/null | head -1 || echo sockudo)
    echo "sockudo: $(suite "$WS_PORT" "$RUN/sockudo.jsonl")"
    COLUMNS+=("$SOCKUDO_VERSION=$RUN/sockudo.jsonl")
else
    echo "no Sockudo binary at $SOCKUDO_BIN: Confab's column only" >&2
fi

node tests/conformance/table.mjs "${COLUMNS[@]}" >CONFORMANCE.md
echo "wrote CONFORMANCE.md (raw lines in $RUN)"
