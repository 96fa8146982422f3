# Cabinet's commands. Run them as `.ci/just <recipe>` (installs just if
# missing) or `just <recipe>`.

set shell := ["bash", "-euo", "pipefail", "-c"]

# List the recipes.
default:
    @just --list

# Build and start Cabinet (API and worker) on the embedded default:
# SQLite and files under ./data, in-process cache, http://127.0.0.1:8080.
run *args:
    cargo run --release --locked -p cabinet-api --bin cabinet -- serve {{args}}

# Run every test: domain units, adapter contracts (SQLite, PostgreSQL,
# Redis), and the HTTP API on SQLite and again on PostgreSQL + Redis.
test: services
    cargo test --workspace --locked
    CABINET_TEST_BACKEND=postgres cargo test --locked -p cabinet-api --test api

# Start the local PostgreSQL and Redis the tests use, unless they are up.
services:
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

# Formatting and lints, as CI checks them.
lint:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets --locked -- -D warnings

# Format the code.
fmt:
    cargo fmt --all

# Apply migrations to the configured database.
migrate *args:
    cargo run --locked -p cabinet-api --bin cabinet -- migrate {{args}}
