#!/usr/bin/env bash
# The one test command: installs the servers the tests start (on a fresh Debian 12 machine), builds and runs
# every test, and ends with one line "N passed, M failed, K skipped". Exit code 0 only when all ran green.
set -uo pipefail
cd "$(dirname "$0")/.."

# Debian packages the test fixtures and suites run: redis-server and PostgreSQL (started by the fixtures),
# docker-compose (checks docker-compose.yml offline), python3-stomp (a third-party STOMP client), chromium and an emoji
# font (the web client's browser tests and their screenshots), nginx-light (deploy/nginx.conf's SockJS routing is
# run for real), Node.js where the machine has none (sockjs-client and the browser driver run on it).
packages=(redis-server postgresql docker-compose python3-stomp python3-websocket chromium fonts-noto-color-emoji nginx-light)
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then packages+=(nodejs npm); fi
missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

sudo=()
if [[ $(id -u) -ne 0 ]]; then sudo=(sudo -n); fi
if ((${#missing[@]})); then
  echo "Installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # --no-install-recommends: docker-compose would otherwise pull in a whole Docker engine.
  if ! "${sudo[@]}" apt-get update -q ||
     ! "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null; then
    echo "Could not install ${missing[*]}"
    echo "0 passed, 0 failed"
    exit 1
  fi
fi

# The pinned npm packages the suite runs with Node.js: js/ (sockjs-client, @stomp/stompjs, playwright-core for the
# SockJS client and browser tests) and tools/ (@redocly/cli lints the OpenAPI document; httpyac for http/*.http).
if ! (cd js && npm ci --no-audit --no-fund --loglevel=error </dev/null) ||
   ! npm ci --prefix tools --no-audit --no-fund --ignore-scripts --loglevel=error </dev/null; then
  echo "npm ci in js/ or tools/ failed (their package-lock.json pin the versions)"
  echo "0 passed, 0 failed"
  exit 1
fi

results=TestResults/test-sh
rm -rf "$results"
mkdir -p "$results"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# A snapshot test with no committed snapshot fails instead of writing one and passing.
export SNAPSHOOTER_STRICT_MODE=true
# A hung test is killed (with a dump of where it hung) rather than holding CI until its time runs out.
dotnet test Shoot.sln \
  --logger "console;verbosity=normal" \
  --logger "trx" \
  --results-directory "$results" \
  --blame-hang-timeout 10m \
  </dev/null
status=$?

passed=0 failed=0 skipped=0
shopt -s nullglob
for trx in "$results"/*.trx; do
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  count() { grep -o " $1=\"[0-9]*\"" <<<"$counters" | grep -o '[0-9]*' || echo 0; }
  passed=$((passed + $(count passed)))
  failed=$((failed + $(count failed) + $(count error) + $(count timeout) + $(count aborted)))
  # Skipped tests are the ones listed but not executed.
  skipped=$((skipped + $(count total) - $(count executed)))
done

if ((passed + failed + skipped == 0)); then
  echo "No test ran (dotnet test exit code $status)."
  echo "0 passed, 0 failed"
  exit 1
fi

# CI shows only the end of this output: name each failed test and the start of its message right above the count.
if ((failed > 0)); then
  python3 scripts/failed-tests.py "$results"/*.trx
fi
echo "$passed passed, $failed failed, $skipped skipped"
if ((status != 0 || failed > 0)); then
  exit 1
fi
