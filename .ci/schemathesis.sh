#!/usr/bin/env bash
# Fuzzes the served OpenAPI document with schemathesis: every operation, as a
# signed-in user, checking that answers match the document (status codes,
# media types, response schemas), that data the schema forbids is refused,
# and that nothing answers 5xx; once with made-up ids, once on seeded
# objects with the stateful phase. Usage: .ci/schemathesis.sh PATH/TO/cabinet
set -euo pipefail
bin="$1"
tools="${CABINET_TOOLS_DIR:-$HOME/.cache/cabinet/tools}"
venv="$tools/schemathesis"
if ! [ -x "$venv/bin/st" ]; then
    echo "» installing schemathesis into $venv (once)"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'schemathesis==4.32.5'
fi
data="$(mktemp -d)"
log="$data/server.log"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
CABINET__DATA_DIR="$data" CABINET__HTTP__PORT="$port" CABINET__LOG__LEVEL=warn \
    CABINET__AUTH__LOGIN__IP_ATTEMPTS=100000 CABINET__AUTH__LOGIN__REGISTER_ATTEMPTS=100000 \
    CABINET__WEBHOOKS__ALLOW_LOOPBACK=true CABINET__SHARING__MISSES_PER_IP=100000 \
    "$bin" serve > "$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$data"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 120); do curl -sf "$base/health/live" > /dev/null && break; sleep 0.5; done
# Two people, real objects (a folder, a document with versions, a share
# link, a webhook, an API key, members), and the configuration naming them.
config="$data/schemathesis.toml"
token="$(python3 .ci/fuzz-seed.py "$base" "$config")"
# Signing out or changing the password would end the session the run uses.
options=(-H "Authorization: Bearer $token"
    --exclude-path /api/v1/auth/logout --exclude-path-regex 'sessions|password'
    --checks status_code_conformance,content_type_conformance,response_schema_conformance,negative_data_rejection,not_a_server_error
    --max-examples 10 --seed 20261203 -w 1 --no-color)
echo "» unknown ids: every operation, every id made up"
"$venv/bin/st" run "$base/api/v1/openapi.json" "${options[@]}" --phases coverage,fuzzing
echo "» seeded objects: every operation on real objects, then chains of calls that pass ids along"
"$venv/bin/st" --config-file "$config" run "$base/api/v1/openapi.json" "${options[@]}" \
    --phases coverage,fuzzing,stateful
