#!/usr/bin/env bash
# End-to-end load run of Shoot (docs/benchmarks.md, "End-to-end chat load"). Usage:
#   scripts/loadtest.sh [embedded|scaled|both|fanout|fanout-scaled|idle] [load tool options...]
#   scripts/loadtest.sh ab|ab-scaled <git ref> [load tool options...]
# embedded: one Shoot.Api, embedded adapters (SQLite, in-process bus), temp data dir.
# scaled:   redis-server + throwaway PostgreSQL + librdkafka mock Kafka broker, two Shoot.Api instances sharing them;
#           the tool spreads each room's members over both instances.
# Default load (embedded, scaled, both): 50 clients, 10 rooms, 2 msg/s per client, 5 s warm-up, 30 s measured.
# Everything listens on 127.0.0.1 only, every wait is bounded, and an EXIT trap stops whatever this script started.
# Scenarios: pass --scenario reads|typing among the tool options (docs/benchmarks.md, "Read receipts and typing under
# load"); the tool reports the servers' CPU time over its measured window (not Redis/PostgreSQL/Kafka's).
# --sse (messages scenario): each client also reads its unread SSE stream on its own instance; the report adds unread
# events/s and send → SSE unread latency (docs/benchmarks.md, "SSE unread at delivery").
# fanout: the hot-path scenarios of docs/performance.md on one embedded instance, one after the other (10 rooms × 50
#         subscribers + 1 publisher at 200 and 400 msg/s, then 20 rooms × 2 subscribers + 1 publisher at 400 msg/s),
#         15 s measured each; prints each report (deliveries/s, latency percentiles, server CPU µs per send and per
#         delivery, allocations when dotnet-counters is installed) in about 3.5 minutes. Extra tool options are
#         appended to every run (e.g. --duration 30). fanout-scaled: the 10 × 50 scenarios on the scaled setup.
# ab <ref>: before/after, back to back: the server built from <ref> (in a temporary git worktree) against this
#         checkout's, each run on a fresh embedded server, alternating before/after, LOADTEST_ROUNDS rounds (2) of
#         each scenario: small rooms (20 × (2 + 1)) and rooms of 50 (10 × (50 + 1)), both at 1,000 msg/s, or only the
#         tool options given. One summary line per run; the reports stay in the temp dir with LOADTEST_KEEP=1. One run
#         varies by a fifth on a 2-core machine (docs/performance.md), so read the pairs, not single runs.
#         LOADTEST_PIN=1 pins the servers to core 1 and the load tool to core 0 (steadier, dearer per message).
# ab-scaled <ref>: the same on the scaled setup, a fresh stack per run: 10 × (50 + 1) at 200 msg/s, or the tool
#         options given (e.g. --rooms 10 --subscribers 50 --publishers 1 --rate 1); each line adds Redis's CPU time
#         and command count over the run.
# Environment: LOADTEST_LOG_LEVEL (servers' default log level, Warning), LOADTEST_KEEP=1 (keep the temp dir with the
# server logs instead of deleting it), LOADTEST_SERVER_ENV (more VAR=value settings for every server, space-separated,
# e.g. LOADTEST_SERVER_ENV=Shoot__Stomp__DirectWebSocket=false scripts/loadtest.sh idle).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

mode=${1:-both}
shift || true
if [[ $mode == ab || $mode == ab-scaled ]]; then
  before_ref=${1:?"usage: $0 ab <git ref> [load tool options]"}
  shift
  git rev-parse --verify --quiet "$before_ref^{commit}" >/dev/null || { echo "Not a commit: $before_ref" >&2; exit 2; }
fi
if (($# == 0)) && [[ $mode != fanout* && $mode != ab* && $mode != idle ]]; then set -- --clients 50 --rooms 10 --rate 2 --warmup 5 --duration 30; fi
tool_args=("$@")

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Under /tmp and world-traversable: PostgreSQL runs as the postgres OS user and must reach its data dir.
work=$(mktemp -d /tmp/shoot-load-XXXXXX)
chmod 755 "$work"
pids=()
pg_data=""
pg_bin=""
before_src=""
# LOADTEST_PIN=1: servers on core 1, the load tool on core 0.
server_prefix=()
tool_prefix=()
if [[ ${LOADTEST_PIN:-0} == 1 ]]; then server_prefix=(taskset -c 1); tool_prefix=(taskset -c 0); fi

# stop_pid <pid>: stops a process, bounded: anything still alive after 10 s is killed outright.
stop_pid() {
  kill "$1" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
}

cleanup() {
  local status=$?
  # Newest first, one at a time: the servers stop (and flush to Kafka) before the broker, Redis and PostgreSQL go.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do stop_pid "${pids[i]}"; done
  if [[ -n $pg_data ]]; then run_as_postgres "$pg_bin/pg_ctl" -D "$pg_data" -m immediate -w -t 20 stop >/dev/null 2>&1 || true; fi
  if [[ -n $before_src ]]; then git -C "$root" worktree remove --force "$before_src" >/dev/null 2>&1 || true; fi
  if ((status != 0)); then
    echo "Failed (exit $status); server logs:" >&2
    for log in "$work"/*.log; do [[ -f $log ]] && { echo "== $log" >&2; tail -n 30 "$log" >&2; }; done
  fi
  if [[ ${LOADTEST_KEEP:-0} == 1 ]]; then echo "Kept $work" >&2; else rm -rf "$work"; fi
  exit $status
}
trap cleanup EXIT

run_as_postgres() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# wait_for <what> <seconds> <command...>: polls the command until it succeeds.
wait_for() {
  local what=$1 seconds=$2
  shift 2
  for ((i = 0; i < seconds * 5; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  echo "$what did not come up within ${seconds}s" >&2
  return 1
}

echo "Building (Release)..."
dotnet build -c Release -v q -nologo Shoot.Api/Shoot.Api.csproj >"$work/build-api.log" 2>&1 || { cat "$work/build-api.log"; exit 1; }
dotnet build -c Release -v q -nologo Shoot.LoadTest/Shoot.LoadTest.csproj >"$work/build-tool.log" 2>&1 || { cat "$work/build-tool.log"; exit 1; }
api_dir=$root/Shoot.Api/bin/Release/net10.0
tool_dll=$root/Shoot.LoadTest/bin/Release/net10.0/Shoot.LoadTest.dll

# Limits raised so that the load, not the rate limiter, is measured; everything else at its default.
common_env=(
  Shoot__Limits__MessagesPerSecond=100000
  Shoot__Limits__MessagesPerMinute=10000000
  Shoot__Limits__RoomMessagesPerSecond=1000000
  Shoot__Limits__ConnectionsPerIp=1000000
  Shoot__Limits__AuthRequestsPerMinutePerIp=1000000
  Logging__LogLevel__Default="${LOADTEST_LOG_LEVEL:-Warning}"
  Logging__LogLevel__Microsoft.Hosting.Lifetime=Information
)
read -r -a extra_server_env <<<"${LOADTEST_SERVER_ENV:-}"
common_env+=("${extra_server_env[@]}")

# start_api <name> <port> [VAR=value...]: starts a Release Shoot.Api and waits until /health/ready answers.
start_api() {
  local name=$1 port=$2
  shift 2
  (cd "$api_dir" && exec "${server_prefix[@]}" env "${common_env[@]}" "$@" ASPNETCORE_URLS="http://127.0.0.1:$port" dotnet Shoot.Api.dll) \
    >"$work/$name.log" 2>&1 &
  pids+=($!)
  wait_for "$name" 90 curl -fsS "http://127.0.0.1:$port/health/ready"
  echo "$name listening on http://127.0.0.1:$port"
}

# run_tool <tool options...>: the servers' PIDs go along so the tool charges their CPU time (/proc/<pid>/stat) over
# its measured window.
run_tool() {
  "${tool_prefix[@]}" dotnet "$tool_dll" --clk-tck "$(getconf CLK_TCK)" "${counters_args[@]}" "$@" "${tool_args[@]}"
}

# Allocation rate in the reports when dotnet-counters is installed (dotnet tool install -g dotnet-counters).
counters_args=()
counters_bin=$(command -v dotnet-counters || true)
[[ -z $counters_bin && -x $HOME/.dotnet/tools/dotnet-counters ]] && counters_bin=$HOME/.dotnet/tools/dotnet-counters
[[ -n $counters_bin ]] && counters_args=(--dotnet-counters "$counters_bin")

# The fan-out scenarios (docs/performance.md): rooms × subscribers + 1 publisher, --rate per publisher.
fanout_runs=(
  "--rooms 10 --subscribers 50 --publishers 1 --rate 20"
  "--rooms 10 --subscribers 50 --publishers 1 --rate 40"
  "--rooms 20 --subscribers 2 --publishers 1 --rate 20"
)
# 20 s of warm-up: in the first ~45 s after a start the tiered JIT is a quarter of the server's CPU (docs/performance.md),
# which a shorter warm-up charges to the messages. The rate ramps up over its first 10 s: a fresh server hit by the full
# rate at once builds queues while it compiles, and at high rates drops sessions as slow consumers before it is warm.
fanout_common=(--scenario fanout --warmup 20 --ramp 10 --duration 15 --drain 5)

embedded() {
  echo
  echo "=== embedded: one instance ==="
  local port
  port=$(free_port)
  start_api api-embedded "$port" Shoot__DataDirectory="$work/data-embedded"
  local status=0
  run_tool --url "http://127.0.0.1:$port" --server-pid "${pids[-1]}" || status=$?
  kill "${pids[-1]}" 2>/dev/null || true
  return $status
}

# scaled: a fresh stack (in $work/<SCALED_DIR>, default scaled), then the tool against both instances; the stack's
# Redis CPU time and command count over the tool's whole run (sign-up and warm-up included) are printed after it.
scaled() {
  echo
  echo "=== scaled: two instances, Redis, PostgreSQL, Kafka (librdkafka mock) ==="
  local redis_port pg_port kafka_bootstrap port1 port2 redis_pid dir=$work/${SCALED_DIR:-scaled}
  mkdir -p "$dir" && chmod 755 "$dir"
  redis_port=$(free_port)
  redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no >"$dir/redis.log" 2>&1 &
  pids+=($!)
  redis_pid=$!
  wait_for redis 20 redis-cli -h 127.0.0.1 -p "$redis_port" ping

  # Throwaway PostgreSQL as in Shoot.Tests/Fixtures/PostgresServerFixture.cs: postgres OS user, durability off.
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  mkdir -p "$dir/pg" && chown postgres "$dir/pg" 2>/dev/null || true
  run_as_postgres "$pg_bin/initdb" -D "$dir/pg/data" -U postgres --auth=trust --encoding=UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1
  pg_port=$(free_port)
  pg_data=$dir/pg/data
  run_as_postgres "$pg_bin/pg_ctl" -D "$pg_data" -l "$dir/pg/server.log" -w -t 60 start \
    -o "-p $pg_port -k $dir/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" >/dev/null
  run_as_postgres "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -q -c "CREATE DATABASE shoot" postgres

  # The mock broker prints "BOOTSTRAP host:port" once its topics exist.
  dotnet "$tool_dll" --kafka-mock >"$dir/kafka.log" 2>&1 &
  pids+=($!)
  wait_for kafka-mock 30 grep -q '^BOOTSTRAP ' "$dir/kafka.log"
  kafka_bootstrap=$(sed -n 's/^BOOTSTRAP //p' "$dir/kafka.log")
  echo "redis 127.0.0.1:$redis_port, postgres 127.0.0.1:$pg_port, kafka $kafka_bootstrap"

  local scaled_env=(
    ConnectionStrings__Redis="127.0.0.1:$redis_port"
    ConnectionStrings__Postgres="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=shoot"
    ConnectionStrings__Kafka="$kafka_bootstrap"
    Jwt__SigningKey="load-test-signing-key-0123456789abcdef0123456789"
    Shoot__DataDirectory="$dir/data"
  )
  port1=$(free_port)
  start_api "${SCALED_DIR:-scaled}-api-1" "$port1" "${scaled_env[@]}"
  local pid1=${pids[-1]}
  port2=$(free_port)
  start_api "${SCALED_DIR:-scaled}-api-2" "$port2" "${scaled_env[@]}"
  local cpu_before calls_before status=0
  cpu_before=$(redis_cpu_ms "$redis_pid")
  calls_before=$(redis_calls "$redis_port")
  run_tool --url "http://127.0.0.1:$port1" --url "http://127.0.0.1:$port2" --server-pid "$pid1" --server-pid "${pids[-1]}" || status=$?
  echo "Redis over the run: $(($(redis_cpu_ms "$redis_pid") - cpu_before)) ms CPU, $(($(redis_calls "$redis_port") - calls_before)) commands"
  return $status
}

# redis_cpu_ms <pid>: user + system CPU time of a process so far, in ms. redis_calls <port>: commands it has run.
redis_cpu_ms() { awk -v tck="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / tck)}' "/proc/$1/stat"; }
redis_calls() { redis-cli -h 127.0.0.1 -p "$1" info commandstats | awk -F'[=,]' '/^cmdstat/ {n += $2} END {print n + 0}'; }

# stop_scaled: stops what scaled() started (servers first, then the broker, Redis and PostgreSQL), so the next run
# starts on a fresh stack. <first> is ${#pids[@]} before scaled() ran.
stop_scaled() {
  local first=$1
  while ((${#pids[@]} > first)); do stop_last; done
  run_as_postgres "$pg_bin/pg_ctl" -D "$pg_data" -m immediate -w -t 20 stop >/dev/null 2>&1 || true
  pg_data=""
}

# fanout: one embedded instance, the fan-out runs one after another (each signs up its own users).
fanout() {
  echo
  echo "=== fanout: one embedded instance ==="
  local port status=0 run
  port=$(free_port)
  start_api api-fanout "$port" Shoot__DataDirectory="$work/data-fanout"
  for run in "${fanout_runs[@]}"; do
    echo
    # shellcheck disable=SC2086 # the run's options are words on purpose
    run_tool --url "http://127.0.0.1:$port" --server-pid "${pids[-1]}" "${fanout_common[@]}" $run || status=$?
  done
  return $status
}

# idle: 15,000 idle STOMP sessions (150 rooms × (99 subscribers + 1 publisher), nobody sending) on one embedded
# instance; reports resident memory and CPU per idle session. Needs ~15,000 open files in each process (ulimit -n).
idle() {
  echo
  echo "=== idle: one embedded instance, 15,000 sessions ==="
  local port
  port=$(free_port)
  start_api api-idle "$port" Shoot__DataDirectory="$work/data-idle"
  run_tool --url "http://127.0.0.1:$port" --server-pid "${pids[-1]}" --scenario idle --rooms 150 --subscribers 99 --publishers 1 \
    --warmup 15 --duration 30
}

# build_before: publishes the server of <ref> (from a temporary worktree) to $work/before-api.
build_before() {
  before_src=$work/before-src
  echo "Building $before_ref (Release)..."
  git -C "$root" worktree add --detach "$before_src" "$before_ref" >"$work/worktree.log" 2>&1 || { cat "$work/worktree.log"; exit 1; }
  dotnet publish -c Release -v q -nologo -o "$work/before-api" "$before_src/Shoot.Api/Shoot.Api.csproj" >"$work/build-before.log" 2>&1 \
    || { cat "$work/build-before.log"; exit 1; }
}

# ab: see the header. The before server is published from a worktree of <ref>; "after" is this checkout's build.
ab() {
  build_before
  local scenarios=("--rooms 20 --subscribers 2 --publishers 1 --rate 50" "--rooms 10 --subscribers 50 --publishers 1 --rate 100")
  ((${#tool_args[@]} > 0)) && scenarios=("")
  local scenario round side port report status=0
  for scenario in "${scenarios[@]}"; do
    echo
    echo "=== ab: ${scenario:-${tool_args[*]}} ==="
    for ((round = 1; round <= ${LOADTEST_ROUNDS:-2}; round++)); do
      for side in before after; do
        port=$(free_port)
        report=$work/ab-$round-$side-$port.txt
        local dir=$api_dir
        [[ $side == before ]] && dir=$work/before-api
        api_dir=$dir start_api "api-$side-$port" "$port" Shoot__DataDirectory="$work/data-$port" >/dev/null
        # shellcheck disable=SC2086 # the scenario's options are words on purpose
        run_tool --url "http://127.0.0.1:$port" --server-pid "${pids[-1]}" --scenario fanout --warmup 20 --ramp 10 --duration 20 --drain 5 \
          $scenario >"$report" 2>&1 || status=$?
        stop_last
        printf '%-6s round %d: %s\n' "$side" "$round" "$(summary "$report")"
      done
    done
  done
  return $status
}

# ab-scaled: as ab, on the scaled setup: each run on a fresh stack (two instances of the side's build, Redis,
# PostgreSQL, the Kafka mock), the fan-out of rooms of 50 at 200 msg/s unless tool options are given.
ab_scaled() {
  build_before
  local options=("${fanout_common[@]}" ${fanout_runs[0]})
  ((${#tool_args[@]} > 0)) && options=("${fanout_common[@]}" "${tool_args[@]}")
  local round side report first status=0 after_dir=$api_dir
  tool_args=("${options[@]}")
  echo
  echo "=== ab-scaled: ${options[*]} ==="
  for ((round = 1; round <= ${LOADTEST_ROUNDS:-2}; round++)); do
    for side in before after; do
      report=$work/ab-scaled-$round-$side.txt
      first=${#pids[@]}
      api_dir=$after_dir
      [[ $side == before ]] && api_dir=$work/before-api
      SCALED_DIR="scaled-$round-$side" scaled >"$report" 2>&1 || status=$?
      stop_scaled "$first"
      printf '%-6s round %d: %s%s\n' "$side" "$round" "$(summary "$report")" "$(grep -m1 '^Redis over the run' "$report" || true)"
    done
  done
  api_dir=$after_dir
  return $status
}

# stop_last: stops the newest server (bounded) and forgets it.
stop_last() {
  stop_pid "${pids[-1]}"
  unset 'pids[-1]'
}

# summary <report>: the figures a before/after comparison reads, on one line.
summary() {
  local metric line out=""
  for metric in "CPU µs per send" "CPU µs per delivery" "latency p50" "latency p99 " "send→SAVED p50 / p99" "missing" "bytes per send / delivery"; do
    line=$(grep -m1 -E "^\|[[:space:]]+$metric" "$1" 2>/dev/null | sed -E 's/^\|[[:space:]]*//; s/[[:space:]]*\|[[:space:]]*/: /; s/[[:space:]]+/ /g') || true
    [[ -n $line ]] && out+="$line; "
  done
  echo "${out:-no report (see $1)}"
}

case $mode in
  ab) ab ;;
  ab-scaled) ab_scaled ;;
  embedded) embedded ;;
  idle) idle ;;
  scaled) scaled ;;
  both) embedded; scaled ;;
  fanout) fanout ;;
  fanout-scaled)
    tool_args=("${fanout_common[@]}" ${fanout_runs[0]} "${tool_args[@]}")
    scaled ;;
  *) echo "usage: $0 [embedded|scaled|both|fanout|fanout-scaled|idle] [load tool options] | ab|ab-scaled <git ref> [load tool options]" >&2; exit 2 ;;
esac
