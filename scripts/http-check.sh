#!/usr/bin/env bash
# Runs every http/*.http scenario with the httpyac CLI (tools/package.json pins it) against a live server, unattended,
# and ends with one line "N passed, M failed"; the exit code is non-zero when anything failed.
#
#   scripts/http-check.sh http://127.0.0.1:8080        # BASE_URL as argument, or in the environment
#
# The files take baseUrl from the "local" environment of http/http-client.env.json; the URL given here overrides it.
# A request passes when every assertion it carries (?? lines) holds. N + M is the number of requests the files hold,
# counted here from their request lines — so a request httpyac skips, or a file it cannot run, counts as failed
# rather than vanishing from the total.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
base_url=${1:-${BASE_URL:-}}
httpyac="$root/tools/node_modules/.bin/httpyac"
if [ ! -x "$httpyac" ]; then
  echo "httpyac is not installed: run 'npm ci --prefix tools' first" >&2
  exit 2
fi
if [ -n "$base_url" ] && ! [[ "$base_url" =~ ^https?://[^[:space:]]+$ ]]; then
  echo "BASE_URL must be an http(s) URL, got '$base_url'" >&2
  exit 2
fi

# httpyac only runs files under its working directory.
cd "$root" || exit 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
for file in "$root"/http/*.http; do
  name=$(basename "$file")
  args=(send "$file" --all --env local --json --timeout 30000)
  [ -n "$base_url" ] && args+=(--var "baseUrl=${base_url%/}")
  # Every streaming step bounds its own waits; the outer limit only guards against a bug in one of them.
  timeout 300 "$httpyac" "${args[@]}" > "$work/out.json" 2> "$work/err.txt"
  code=$?
  # Prints one line per request and, last, "<passed> <failed>" for this file.
  result=$(node - "$file" "$work/out.json" "$code" <<'JS'
const fs = require('fs');
const [file, jsonPath, code] = process.argv.slice(2);
const name = require('path').basename(file);
const requestLine = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|WS|SSE)\s+\S/;
const expected = fs.readFileSync(file, 'utf8').split('\n').filter(line => requestLine.test(line)).length;
let report = { requests: [] };
try {
  report = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
} catch {
  console.log(`FAIL ${name}: httpyac gave no report (exit code ${code})`);
}
// Regions without a request (headers, variables) carry no assertions; a request without one cannot pass.
const requests = report.requests.filter(r => r.testResults.length > 0);
let passed = 0;
for (const r of requests) {
  const bad = r.testResults.filter(t => t.status !== 'SUCCESS');
  if (bad.length === 0) {
    passed++;
    console.log(`ok   ${name}:${r.line + 1} ${r.title}`);
  } else {
    const why = [...new Set(bad.map(t => t.error?.displayMessage || t.error?.message || `${t.message} (${t.status})`))].join('; ');
    console.log(`FAIL ${name}:${r.line + 1} ${r.title} — ${why}`);
  }
}
passed = Math.min(passed, expected);
if (requests.length < expected)
  console.log(`FAIL ${name}: ${expected - requests.length} of its ${expected} requests did not run or asserted nothing`);
console.log(`${passed} ${expected - passed}`);
JS
)
  echo "$result" | sed '$d'
  if [ "$code" -ne 0 ] && [ -s "$work/err.txt" ]; then
    sed 's/^/     /' "$work/err.txt" | head -20
  fi
  read -r file_passed file_failed <<< "$(echo "$result" | tail -n 1)"
  if ! [[ "${file_passed:-}" =~ ^[0-9]+$ && "${file_failed:-}" =~ ^[0-9]+$ ]]; then
    echo "FAIL $name: its report could not be read"
    file_passed=0
    file_failed=$(grep -cE '^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|WS|SSE)[[:space:]]+[^[:space:]]' "$file")
  fi
  passed=$((passed + file_passed))
  failed=$((failed + file_failed))
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
