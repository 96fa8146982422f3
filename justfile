# Cabinet's commands. Run them as `.ci/just <recipe>` (installs just if
# missing) or `just <recipe>`.

set shell := ["bash", "-euo", "pipefail", "-c"]

# Where tools the tests need are installed, and the S3 server they use.
tools := env("CABINET_TOOLS_DIR", env("HOME", "/root") / ".cache/cabinet/tools")
s3_port := env("CABINET_TEST_S3_PORT", "9190")
s3_root := env("CABINET_TEST_S3_ROOT", env("HOME", "/root") / ".cache/cabinet/s3")

# List the recipes.
default:
    @just --list

# Build and start Cabinet (API and worker) on the embedded default:
# SQLite and files under ./data, in-process cache, http://127.0.0.1:8080.
run *args: renderer web
    cargo run --release --locked -p cabinet-api --bin cabinet -- serve {{args}}

# Run every test: domain units, adapter contracts (SQLite, PostgreSQL,
# Redis), and the HTTP API on SQLite and again on PostgreSQL + Redis.
test: services web chromium
    #!/usr/bin/env bash
    set -euo pipefail
    export CABINET_TEST_S3_ENDPOINT="http://127.0.0.1:{{s3_port}}"
    cargo test --workspace --locked
    # `--workspace` keeps the features the run above resolved (the domain's
    # test kit among them), so nothing is compiled twice.
    CABINET_TEST_BACKEND=postgres cargo test --workspace --locked --test api
    bin="${CARGO_TARGET_DIR:-$PWD/target}/debug/cabinet"
    .ci/schemathesis.sh "$bin"
    # The web app's API types must be generated from the document the server serves.
    schema="$(mktemp -d)"
    "$bin" openapi > "$schema/openapi.json"
    (cd apps/web && npx openapi-typescript "$schema/openapi.json" -o "$schema/schema.ts" >/dev/null)
    if ! diff -u apps/web/src/api/schema.ts "$schema/schema.ts" > "$schema/diff"; then
        head -n 40 "$schema/diff"
        echo "apps/web/src/api/schema.ts is not the server's OpenAPI document: run 'npm run gen:api' in apps/web" >&2
        exit 1
    fi
    cd apps/web
    npm test
    CABINET_BIN="$bin" CHROMIUM="$(command -v chromium)" node e2e/run.mjs

# Start what the tests use, unless it is up: PostgreSQL, Redis, and an S3
# server (s3s-fs, a real S3 implementation on a local folder, installed once);
# install pdftoppm (poppler-utils), which draws PDF thumbnails.
services: s3 renderer
    #!/usr/bin/env bash
    set -euo pipefail
    if ! pg_isready -q -h 127.0.0.1 -p 5432; then
        echo "» starting PostgreSQL"
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
        for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    fi
    if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
        echo "» starting Redis"
        mkdir -p /var/lib/redis /var/log/redis
        redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
            --dir /var/lib/redis --logfile /var/log/redis/ci.log
        for _ in $(seq 1 30); do redis-cli ping >/dev/null 2>&1 && break; sleep 1; done
    fi
    pg_isready -h 127.0.0.1 -p 5432
    redis-cli -h 127.0.0.1 -p 6379 ping

# Install the web app's packages (exactly as locked) and build it into
# apps/web/dist, which `cabinet serve` serves.
web:
    cd apps/web && npm ci --no-audit --no-fund --loglevel=error && npm run build

# Run the end-to-end tests and keep their screenshots in docs/screenshots.
screenshots: web chromium
    cargo build --locked -p cabinet-api --bin cabinet
    cd apps/web && CABINET_E2E_SCREENSHOTS="$PWD/../../docs/screenshots" \
        CABINET_BIN="${CARGO_TARGET_DIR:-$PWD/../../target}/debug/cabinet" CHROMIUM="$(command -v chromium)" node e2e/run.mjs

# Install Debian's Chromium for the browser tests, unless present.
chromium:
    #!/usr/bin/env bash
    set -euo pipefail
    if ! command -v chromium >/dev/null; then
        echo "» installing chromium (for the browser tests)"
        sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
        $sudo_cmd apt-get install -y --no-install-recommends chromium >/dev/null \
            || { $sudo_cmd apt-get update >/dev/null && $sudo_cmd apt-get install -y --no-install-recommends chromium >/dev/null; }
    fi
    chromium --version

# Install pdftoppm (Debian's poppler-utils) for PDF thumbnails, unless present.
renderer:
    #!/usr/bin/env bash
    set -euo pipefail
    if ! command -v pdftoppm >/dev/null; then
        echo "» installing poppler-utils (pdftoppm, for PDF thumbnails)"
        sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
        $sudo_cmd apt-get install -y --no-install-recommends poppler-utils >/dev/null \
            || { $sudo_cmd apt-get update >/dev/null && $sudo_cmd apt-get install -y --no-install-recommends poppler-utils >/dev/null; } \
            || echo "warning: could not install poppler-utils; PDFs will get no thumbnails" >&2
    fi
    # sed reads all of it: `head` would close the pipe early and fail the recipe with SIGPIPE.
    if command -v pdftoppm >/dev/null; then pdftoppm -v 2>&1 | sed -n 1p; fi

# Formatting and lints, as CI checks them.
lint:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets --locked -- -D warnings
    cargo clippy -p cabinet-domain --all-targets --all-features --locked -- -D warnings
    RUSTDOCFLAGS="-D warnings" cargo doc -p cabinet-domain --no-deps --locked
    python3 .ci/file-sizes.py

# Format the code.
fmt:
    cargo fmt --all

# Apply migrations to the configured database.
migrate *args:
    cargo run --locked -p cabinet-api --bin cabinet -- migrate {{args}}

# Install (once) and start the s3s-fs S3 server on 127.0.0.1:{{s3_port}}.
s3:
    #!/usr/bin/env bash
    set -euo pipefail
    if ! [ -x "{{tools}}/bin/s3s-fs" ]; then
        echo "» installing s3s-fs into {{tools}} (once, about 3 minutes)"
        cargo install s3s-fs --version 0.14.1 --locked --features binary --root "{{tools}}"
    fi
    mkdir -p "{{s3_root}}/cabinet-test"
    if ! (exec 3<>/dev/tcp/127.0.0.1/{{s3_port}}) 2>/dev/null; then
        echo "» starting s3s-fs on 127.0.0.1:{{s3_port}}"
        # Started from its own folder: it must outlive the checkout that started it.
        cd "{{s3_root}}"
        nohup setsid "{{tools}}/bin/s3s-fs" --host 127.0.0.1 --port {{s3_port}} \
            --access-key cabinet --secret-key cabinet-secret "{{s3_root}}" \
            > "{{s3_root}}.log" 2>&1 < /dev/null &
        for _ in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/{{s3_port}}) 2>/dev/null && break; sleep 0.2; done
    fi
    (exec 3<>/dev/tcp/127.0.0.1/{{s3_port}}) 2>/dev/null && echo "s3s-fs on 127.0.0.1:{{s3_port}}"
