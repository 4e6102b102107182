# Sourced by scripts/bench.sh and scripts/conformance-peer.sh: starts Sockudo ($SOCKUDO_BIN) in
# folder $1 on port $2 as one app ($APP_ID, $APP_KEY, $APP_SECRET) with a local adapter, memory
# cache, queue and app manager, and the per-IP rate limiter off; more settings (`NAME=value`
# lines) on standard input. Sets SOCKUDO_PID once it answers; needs the caller's `wait_for`.
start_sockudo_in() {
    local dir=$1 port=$2
    mkdir -p "$dir"
    {
        cat <<CONF
HOST=127.0.0.1
PORT=$port
ADAPTER_DRIVER=local
CACHE_DRIVER=memory
QUEUE_DRIVER=memory
APP_MANAGER_DRIVER=memory
RATE_LIMITER_ENABLED=false
METRICS_ENABLED=false
SOCKUDO_DEFAULT_APP_ID=$APP_ID
SOCKUDO_DEFAULT_APP_KEY=$APP_KEY
SOCKUDO_DEFAULT_APP_SECRET=$APP_SECRET
RUST_LOG=warn
CONF
        cat
    } >"$dir/sockudo.env"
    local env_vars=(PATH="$PATH") line
    while IFS= read -r line; do env_vars+=("$line"); done <"$dir/sockudo.env"
    # In its own directory, so no config/config.json or .env of anyone else is read.
    (cd "$dir" && exec env -i "${env_vars[@]}" "$SOCKUDO_BIN" >"$dir/server.log" 2>&1) &
    SOCKUDO_PID=$!
    wait_for "http://127.0.0.1:$port/up/$APP_ID"
}
