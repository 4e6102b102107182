#!/usr/bin/env bash
# The benchmark suite in one command:
#
#   bash scripts/bench.sh                # full run, writes BENCHMARKS.md
#   BENCH_QUICK=1 bash scripts/bench.sh  # quick: 100/1,000 subscribers, 1,000 idle sockets, short runs
#   BENCH_ONLY=history bash scripts/bench.sh  # one scenario: history at 1k/100k/1M/10M messages
#   BENCH_ONLY=chat bash scripts/bench.sh     # the chat path (flat, fixed rate) and its floors
#   BENCH_ONLY=files bash scripts/bench.sh    # attachments on the local store beside the disk
#
# Builds confab and the load generator (confab-bench) in release, runs every scenario against
# confab on SQLite and on PostgreSQL, then the Pusher-protocol scenarios (fan-out, idle) against
# Sockudo when its binary exists, and writes BENCHMARKS.md from the results.
#
# Environment:
#   BENCH_QUICK=1        quick mode (history: 1k and 100k messages)
#   BENCH_ONLY=LIST      run only these scenarios, comma-separated, of idle, fanout, chat (with its
#                        fixed-rate run and its floors), list, history, files; the report then goes to the
#                        run directory unless BENCH_OUT is set, so a partial run does not replace
#                        BENCHMARKS.md
#   BENCH_CHAT_RATE_SQLITE    fixed rate of the chat path's latency run on SQLite, whole sends/s (default
#                        4000: half the 8,000 sends/s target); BENCH_CHAT_RATE_POSTGRES the same on
#                        PostgreSQL (default 2500); 10 s each (quick: 3 s), 64 senders
#   BENCH_FLOOR_BATCH    rows per transaction of the batched-insert floor (default 64)
#   BENCH_HISTORY_SIZES  history sizes (default 1000,100000,1000000,10000000; quick 1000,100000):
#                        one big room of six members grown by bulk SQL to each size in turn, one
#                        message in 25 naming the viewer (a `message_mentions` row each: 400k at
#                        10M) and one in 1,000 a thread root with 3 replies only in the thread
#                        (10k threads at 10M); the reads include the viewer's mention feed, a
#                        thread of 200 replies (newest and middle pages) and the viewer's 50
#                        followed threads, the writes a send naming 5 members and a thread reply
#                        (10M rows: ≈65 s and ≈1.2 GB on SQLite, ≈190 s and ≈2.4 GB on
#                        PostgreSQL here, before threads; freed after the run)
#   SOCKUDO_BIN          peer binary (default /root/.cache/sockudo/bin/sockudo; skipped when absent)
#   BENCH_PG_URL         PostgreSQL admin URL (default postgres://postgres@127.0.0.1:5432/postgres);
#                        a fresh database is created for the run and dropped after it
#   BENCH_PG=0           skip PostgreSQL
#   BENCH_OUT            report path (default BENCHMARKS.md at the repository root)
#   BENCH_SPLICE=1       with BENCH_ONLY=history (or files, or chat): write this run's history
#                        (files, chat path) section and its target rows into the existing BENCHMARKS.md (the
#                        rest stays the earlier run's, and the file says so at its top; a files
#                        section is added before the targets when there is none) instead of a
#                        report of its own
#   BENCH_SKIP_BUILD=1   use the binaries already built
#   BENCH_METRICS=1      start confab with CONFAB_METRICS_TOKEN set (every request counted and
#                        timed, every statement timed): run twice, with and without, to see what
#                        metrics cost
#   BENCH_WEBHOOKS=1     start confab with CONFAB_WEBHOOK_URLS pointing at a local receiver that
#                        answers 204 (every chat event stored in the outbox in its transaction
#                        and posted): run twice, with and without, to see what webhooks cost
#   CARGO_TARGET_DIR     where cargo builds (default target/)
#
# The chat path, per database: `confab-bench chat` flat out at C=16 and 64, then `chat --rate N`
# (send i due at i/N s, latency from then, every delivery checked by message id), then
# `confab-bench floor` on the server's own database: `--kinds single,batch,…` (single: one
# connection, single-row autocommit INSERTs; batch: one connection, `--batch B` rows per INSERT;
# single-sqlx: single through sqlx, SQLite only; pool: C tasks over the server's pool size),
# each up to `--count` rows or `--max-secs`.
#
# Files (`confab-bench files`, SQLite, local store in the data directory, CONFAB_UPLOAD_MAX_BYTES
# 256 MiB): 50 MiB uploads one at a time (median of 5, quick 3) beside writing + fsyncing the same
# bytes in the store's folder, server CPU per MiB, server VmRSS sampled every 50 ms during 20
# uploads of 100 MiB at once, a 12 MP JPEG's upload against a random file of its size (×10, quick
# ×5), 50 MiB downloads beside reading the stored file (both warm). Writes ≈3 GB; the data
# directory is removed after.
#
# Traffic stays on 127.0.0.1; every server this script starts is stopped on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/sockudo.sh
source scripts/sockudo.sh
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
QUICK=${BENCH_QUICK:-0}
SOCKUDO_BIN=${SOCKUDO_BIN:-/root/.cache/sockudo/bin/sockudo}
PG_ADMIN_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
USE_PG=${BENCH_PG:-1}
ONLY=${BENCH_ONLY:-}
OUT=${BENCH_OUT:-}
APP_ID=bench-app
APP_KEY=bench-key
APP_SECRET=bench-secret

# 10,000 sockets need more than the usual 1,024 descriptors (server and generator inherit this).
HARD=$(ulimit -Hn)
if [[ $HARD == unlimited || $HARD -gt 65536 ]]; then HARD=65536; fi
ulimit -n "$HARD"
echo "open files limit: $(ulimit -n)"

if [[ $QUICK == 1 ]]; then
    MODE=quick
    FANOUT_ARGS=(--subs 100,1000 --rate-secs 5 --flat-deliveries 300000 --flat-secs 15)
    IDLE_STEPS=1000
    CHAT_ARGS=(--concurrency 16,64 --count 4000 --max-secs 10)
    CHAT_RATE_SECS=3
    FLOOR_ARGS=(--concurrency 16,64 --count 200000 --max-secs 2)
    LIST_ARGS=(--rooms 500 --requests 100 --concurrency 1,4)
    HISTORY_SIZES=${BENCH_HISTORY_SIZES:-1000,100000}
    FILES_ARGS=(--reps 3 --thumb-reps 5)
else
    MODE=full
    FANOUT_ARGS=(--subs 100,1000,10000 --rate-secs 10 --flat-deliveries 1000000 --flat-secs 30)
    IDLE_STEPS=1000,10000
    CHAT_ARGS=(--concurrency 16,64 --count 20000 --max-secs 20)
    CHAT_RATE_SECS=10
    FLOOR_ARGS=(--concurrency 16,64 --count 1000000 --max-secs 5)
    LIST_ARGS=(--rooms 500 --requests 300 --concurrency 1,4)
    HISTORY_SIZES=${BENCH_HISTORY_SIZES:-1000,100000,1000000,10000000}
    FILES_ARGS=(--reps 5 --thumb-reps 10)
fi
FILES_ARGS+=(--size-mib 50 --parallel 20 --parallel-mib 100)
HISTORY_ARGS=(--sizes "$HISTORY_SIZES" --requests 200 --warmup 5 --rooms 200)
CHAT_RATE_SQLITE=${BENCH_CHAT_RATE_SQLITE:-4000}
CHAT_RATE_POSTGRES=${BENCH_CHAT_RATE_POSTGRES:-2500}
FLOOR_ARGS+=(--batch "${BENCH_FLOOR_BATCH:-64}")

# want SCENARIO: whether BENCH_ONLY (empty = everything) names it.
want() {
    [[ -z $ONLY || ",${ONLY// /}," == *",$1,"* ]]
}
for scenario in ${ONLY//,/ }; do
    case $scenario in
        idle | fanout | chat | list | history | files) ;;
        *)
            echo "BENCH_ONLY: unknown scenario '$scenario' (idle, fanout, chat, list, history, files)" >&2
            exit 2
            ;;
    esac
done
if (($(ulimit -n) < 10500)); then
    echo "warning: open files limit $(ulimit -n) is too low for 10,000 sockets; using the quick sizes" >&2
    FANOUT_ARGS=(--subs 100,1000 "${FANOUT_ARGS[@]:2}")
    IDLE_STEPS=1000
fi

if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
    cargo build --release -p confab -p confab-bench
fi
BIN=$CARGO_TARGET_DIR/release
RUN=$(mktemp -d /tmp/confab-bench.XXXXXX)
OUTPUT=$RUN/output.txt
echo "run directory: $RUN"
SPLICE=()
if [[ ${BENCH_SPLICE:-0} == 1 ]]; then
    case ${ONLY// /} in
        history) SPLICE=(--splice-history-into "$ROOT/BENCHMARKS.md") ;;
        files) SPLICE=(--splice-files-into "$ROOT/BENCHMARKS.md") ;;
        chat) SPLICE=(--splice-chat-into "$ROOT/BENCHMARKS.md") ;;
        *)
            echo "BENCH_SPLICE=1 needs BENCH_ONLY=history, files or chat" >&2
            exit 1
            ;;
    esac
    OUT=${OUT:-$ROOT/BENCHMARKS.md}
fi
if [[ -z $OUT ]]; then
    if [[ -n $ONLY ]]; then OUT=$RUN/BENCHMARKS.md; else OUT=$ROOT/BENCHMARKS.md; fi
fi

SERVER_PID=""
UPLOAD_MAX_BYTES=""
PG_DB=""
RECEIVER_PID=""

stop_server() {
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 100); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}

drop_pg_db() {
    if [[ -n $PG_DB ]]; then
        psql "$PG_ADMIN_URL" -q -c "DROP DATABASE IF EXISTS $PG_DB" >/dev/null 2>&1 || true
        PG_DB=""
    fi
}

cleanup() {
    stop_server
    drop_pg_db
    if [[ -n $RECEIVER_PID ]]; then kill "$RECEIVER_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free loopback port: nothing answers on it, chosen at random in 20000–29999.
free_port() {
    local port
    for _ in $(seq 1 200); do
        port=$((20000 + RANDOM % 10000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
    echo "no free port found" >&2
    exit 1
}

# wait_for URL: until it answers 2xx, 60 s at most.
wait_for() {
    for _ in $(seq 1 600); do
        if curl -sf -o /dev/null --max-time 1 "$1"; then return 0; fi
        if [[ -n $SERVER_PID ]] && ! kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "server exited while starting" >&2
            return 1
        fi
        sleep 0.1
    done
    echo "timed out waiting for $1" >&2
    return 1
}

# start_confab LABEL [DATABASE_URL]
start_confab() {
    local label=$1 db_url=${2:-}
    DATA_DIR=$RUN/confab-$label
    mkdir -p "$DATA_DIR"
    API_PORT=$(free_port)
    WS_PORT=$(free_port)
    while [[ $WS_PORT == "$API_PORT" ]]; do WS_PORT=$(free_port); done
    local env_vars=(
        PATH="$PATH"
        CONFAB_HTTP_ADDR="127.0.0.1:$API_PORT"
        CONFAB_DATA_DIR="$DATA_DIR"
        REVERB_SERVER_HOST=127.0.0.1
        REVERB_SERVER_PORT="$WS_PORT"
        REVERB_APP_ID=$APP_ID
        REVERB_APP_KEY=$APP_KEY
        REVERB_APP_SECRET=$APP_SECRET
        JWT_SECRET=bench-jwt-secret-bench-jwt-secret
        CONFAB_SEND_LIMIT=1000000000
        RUST_LOG=warn
    )
    if [[ -n $db_url ]]; then env_vars+=(DATABASE_URL="$db_url"); fi
    if [[ -n $UPLOAD_MAX_BYTES ]]; then env_vars+=(CONFAB_UPLOAD_MAX_BYTES="$UPLOAD_MAX_BYTES"); fi
    # Metrics on (what /metrics costs the hot paths): compare with a run without.
    if [[ ${BENCH_METRICS:-0} == 1 ]]; then env_vars+=(CONFAB_METRICS_TOKEN=bench-metrics); fi
    # Webhooks on (what the outbox costs the chat path): a receiver that takes every batch.
    if [[ ${BENCH_WEBHOOKS:-0} == 1 ]]; then
        if [[ -z $RECEIVER_PID ]]; then
            RECEIVER_PORT=$(free_port)
            python3 -c '
import http.server, sys
class Take(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(204); self.end_headers()
    def log_message(self, *args): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Take).serve_forever()
' "$RECEIVER_PORT" &
            RECEIVER_PID=$!
        fi
        env_vars+=(CONFAB_WEBHOOK_URLS="http://127.0.0.1:$RECEIVER_PORT/hook")
    fi
    # In the data directory, so no stray .env is read.
    (cd "$DATA_DIR" && exec env -i "${env_vars[@]}" "$BIN/confab" serve >"$DATA_DIR/server.log" 2>&1) &
    SERVER_PID=$!
    wait_for "http://127.0.0.1:$API_PORT/health"
    wait_for "http://127.0.0.1:$WS_PORT/up"
    echo "confab ($label) pid $SERVER_PID: api :$API_PORT, realtime :$WS_PORT"
}

start_sockudo() {
    WS_PORT=$(free_port)
    # One app with the same credentials, its limits high enough not to cap the run.
    start_sockudo_in "$RUN/sockudo" "$WS_PORT" <<CONF
SOCKUDO_DEFAULT_APP_MAX_CONNECTIONS=1000000
SOCKUDO_DEFAULT_APP_MAX_BACKEND_EVENTS_PER_SECOND=10000000
SOCKUDO_DEFAULT_APP_MAX_READ_REQUESTS_PER_SECOND=10000000
SOCKUDO_DEFAULT_APP_MAX_CLIENT_EVENTS_PER_SECOND=10000000
CONF
    SERVER_PID=$SOCKUDO_PID
    echo "sockudo pid $SERVER_PID: :$WS_PORT"
}

# bench SCENARIO ARGS…: runs the generator, keeps its output; a failed scenario is reported, not fatal.
bench() {
    echo "---- confab-bench $*" | tee -a "$OUTPUT"
    if ! "$BIN/confab-bench" "$@" 2>&1 | tee -a "$OUTPUT"; then
        echo "!!!! scenario failed: $1 (see $OUTPUT)" | tee -a "$OUTPUT"
        FAILED+=("$1 ${SERVER_NAME:-}")
    fi
}
FAILED=()

target_args() {
    echo --host 127.0.0.1 --ws-port "$WS_PORT" --app-id "$APP_ID" --key "$APP_KEY" \
        --secret "$APP_SECRET" --pid "$SERVER_PID" --server "$1"
}

# run_history BACKEND DATABASE_URL: against the server just started on a fresh database; its data
# directory (the SQLite file, gigabytes at 10M messages) is removed after, the server log kept.
run_history() {
    bench history --api "http://127.0.0.1:$API_PORT" --database-url "$2" --backend "$1" \
        --pid "$SERVER_PID" "${HISTORY_ARGS[@]}"
    stop_server
    cp "$DATA_DIR/server.log" "$RUN/server-history-$1.log" 2>/dev/null || true
    rm -rf "$DATA_DIR"
}

# run_chat BACKEND RATE DATABASE_URL FLOOR_KINDS: the chat path flat out, at a fixed rate, then
# its floors on the server's database (with the server still up, idle).
run_chat() {
    # shellcheck disable=SC2046
    bench chat $(target_args confab) --api "http://127.0.0.1:$API_PORT" --backend "$1" "${CHAT_ARGS[@]}"
    # shellcheck disable=SC2046
    bench chat $(target_args confab) --api "http://127.0.0.1:$API_PORT" --backend "$1" \
        --rate "$2" --concurrency 64 --count $(($2 * CHAT_RATE_SECS)) --max-secs $((CHAT_RATE_SECS * 2))
    bench floor --database-url "$3" --backend "$1" --kinds "$4" "${FLOOR_ARGS[@]}"
}

# ---- Confab on SQLite: every scenario
SERVER_NAME=confab
if want idle || want fanout || want chat || want list; then
    start_confab sqlite
    if want idle; then
        # shellcheck disable=SC2046
        bench idle $(target_args confab) --steps "$IDLE_STEPS"
    fi
    if want fanout; then
        # shellcheck disable=SC2046
        bench fanout $(target_args confab) "${FANOUT_ARGS[@]}"
    fi
    if want chat; then
        run_chat sqlite "$CHAT_RATE_SQLITE" "sqlite://$DATA_DIR/confab.db?mode=rw" single,batch,single-sqlx,pool
    fi
    if want list; then
        bench list --api "http://127.0.0.1:$API_PORT" --backend sqlite --pid "$SERVER_PID" "${LIST_ARGS[@]}"
    fi
    stop_server
fi
if want history; then
    start_confab sqlite-history
    run_history sqlite "sqlite://$DATA_DIR/confab.db?mode=rw"
fi

if want files; then
    # The largest upload of the scenario is 100 MiB; the default cap is 25 MiB.
    UPLOAD_MAX_BYTES=$((256 << 20))
    start_confab sqlite-files
    bench files --api "http://127.0.0.1:$API_PORT" --data-dir "$DATA_DIR" --pid "$SERVER_PID" \
        "${FILES_ARGS[@]}"
    stop_server
    UPLOAD_MAX_BYTES=""
    cp "$DATA_DIR/server.log" "$RUN/server-files.log" 2>/dev/null || true
    rm -rf "$DATA_DIR"
fi

# ---- Confab on PostgreSQL: the database scenarios, in a fresh database
if [[ $USE_PG == 1 ]] && command -v psql >/dev/null && psql "$PG_ADMIN_URL" -qtAc 'SELECT 1' >/dev/null 2>&1; then
    if want chat || want list; then
        PG_DB=confab_bench_$$
        psql "$PG_ADMIN_URL" -q -c "CREATE DATABASE $PG_DB" >/dev/null
        PG_URL="${PG_ADMIN_URL%/*}/$PG_DB"
        start_confab postgres "$PG_URL"
        if want chat; then
            run_chat postgres "$CHAT_RATE_POSTGRES" "$PG_URL" single,batch,pool
        fi
        if want list; then
            bench list --api "http://127.0.0.1:$API_PORT" --backend postgres --pid "$SERVER_PID" "${LIST_ARGS[@]}"
        fi
        stop_server
        drop_pg_db
    fi
    if want history; then
        PG_DB=confab_bench_history_$$
        psql "$PG_ADMIN_URL" -q -c "CREATE DATABASE $PG_DB" >/dev/null
        PG_URL="${PG_ADMIN_URL%/*}/$PG_DB"
        start_confab postgres-history "$PG_URL"
        run_history postgres "$PG_URL"
        drop_pg_db
    fi
elif ! want chat && ! want list && ! want history; then
    : # no PostgreSQL scenario asked for
else
    echo "PostgreSQL not reachable at $PG_ADMIN_URL (or BENCH_PG=0): skipping the PostgreSQL runs" | tee -a "$OUTPUT"
fi

# ---- The peer: the same Pusher-protocol scenarios
PEER_VERSION="not installed ($SOCKUDO_BIN absent)"
PEER_CONFIG=()
if ! want idle && ! want fanout; then
    PEER_VERSION="not run (BENCH_ONLY=$ONLY)"
elif [[ -x $SOCKUDO_BIN ]]; then
    PEER_VERSION=$("$SOCKUDO_BIN" --version 2>/dev/null | head -1 || echo sockudo)
    SERVER_NAME=sockudo
    start_sockudo
    PEER_CONFIG=(--peer-config "$RUN/sockudo/sockudo.env")
    # shellcheck disable=SC2046
    bench idle $(target_args sockudo) --steps "$IDLE_STEPS"
    # shellcheck disable=SC2046
    bench fanout $(target_args sockudo) "${FANOUT_ARGS[@]}"
    stop_server
else
    echo "no Sockudo binary at $SOCKUDO_BIN: Confab only" | tee -a "$OUTPUT"
fi

grep '^BENCH_JSON ' "$OUTPUT" >"$RUN/results.jsonl" || true
REV=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if ! git -C "$ROOT" diff --quiet HEAD 2>/dev/null; then REV="$REV + uncommitted changes"; fi
NOTES=()
if [[ -f $ROOT/benches/NOTES.md ]]; then NOTES=(--notes "$ROOT/benches/NOTES.md"); fi
"$BIN/confab-bench" report --results "$RUN/results.jsonl" --out "$OUT" --confab-rev "$REV" \
    --peer sockudo --peer-version "$PEER_VERSION" "${PEER_CONFIG[@]}" --mode "$MODE" "${NOTES[@]}" \
    "${SPLICE[@]}"
echo "results: $RUN/results.jsonl; report: $OUT"
if ((${#FAILED[@]})); then
    echo "failed scenarios: ${FAILED[*]}" >&2
    exit 1
fi
