#!/usr/bin/env bash
# The load check (a command, not a test): a throwaway PostgreSQL database filled by seed_scale,
# gunicorn on production settings as the application's restricted role, then load_test's
# clients over loopback. Needs PostgreSQL and Redis on 127.0.0.1 (trust auth for postgres).
#   scripts/load_test.sh [CLIENTS] [SECONDS] [WORKERS]     defaults: 50 60 (2 x CPUs + 1)
# WA_LOAD_SEED_ARGS passes seed_scale a smaller shape for a quick run, e.g.
#   WA_LOAD_SEED_ARGS="--applications 2000 --deployments 200 --ledger-entries 100000"
# Bounded: seed counts at most seed_scale's defaults unless asked, the run capped by load_test
# (<= 600 s); everything is removed.
set -euo pipefail
cd "$(dirname "$0")/.."
CLIENTS="${1:-50}"
SECONDS_="${2:-60}"
WORKERS="${3:-$(( $(nproc) * 2 + 1 ))}"
PY=.venv/bin/python
secret() { "$PY" -c "import base64, secrets; print($1)"; }
DB="wa_load_$$"
APP_ROLE="wa_load_app_$$"
OWNER="postgres://postgres@127.0.0.1:5432/$DB"
APP="postgres://$APP_ROLE:$(secret 'secrets.token_hex(16)')@127.0.0.1:5432/$DB"
WORK="$(mktemp -d)"
GUNICORN_PID=""
cleanup() {
  [ -n "$GUNICORN_PID" ] && { kill "$GUNICORN_PID" 2>/dev/null || true; wait "$GUNICORN_PID" 2>/dev/null || true; }
  export PGOPTIONS="-c client_min_messages=warning"
  psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $DB" postgres || true
  psql -q -h 127.0.0.1 -U postgres -c "DROP ROLE IF EXISTS $APP_ROLE" postgres || true
  rm -rf "$WORK"
}
trap cleanup EXIT

psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $DB" postgres
SIGNING_KEY="$(secret 'base64.b64encode(secrets.token_bytes(32)).decode()')"
export WA_LEDGER_SIGNING_KEY="$SIGNING_KEY"
DATABASE_URL="$APP" DATABASE_OWNER_URL="$OWNER" "$PY" manage.py migrate --noinput -v0
DATABASE_URL="$APP" DATABASE_OWNER_URL="$OWNER" "$PY" manage.py grant_app_role
echo "== seed_scale"
read -r -a SEED_ARGS <<<"${WA_LOAD_SEED_ARGS:-}"
DATABASE_URL="$OWNER" "$PY" manage.py seed_scale "${SEED_ARGS[@]}"

PROD=(
  env -u DATABASE_OWNER_URL -u CELERY_BROKER_URL
  DJANGO_SETTINGS_MODULE=config.settings.production
  DJANGO_SECRET_KEY="$(secret 'secrets.token_urlsafe(48)')"
  DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
  WA_LEDGER_SIGNING_KEY="$SIGNING_KEY"
  DJANGO_SECURE_SSL_REDIRECT=false
  WA_CACHE_URL="redis://127.0.0.1:6379/14"
  DJANGO_STATIC_ROOT="$WORK/static"
  DATABASE_URL="$APP"
)
"${PROD[@]}" "$PY" manage.py collectstatic --noinput -v0
PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"${PROD[@]}" .venv/bin/gunicorn config.wsgi --bind "127.0.0.1:$PORT" --workers "$WORKERS" \
  --timeout 60 >"$WORK/gunicorn.log" 2>&1 &
GUNICORN_PID=$!
for _ in $(seq 60); do
  curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/accounts/login/" && break
  sleep 1
done
echo "== load_test: $CLIENTS clients, $SECONDS_ s, gunicorn $WORKERS workers on $(nproc) CPUs"
"${PROD[@]}" "$PY" manage.py load_test --url "http://127.0.0.1:$PORT" --clients "$CLIENTS" \
  --seconds "$SECONDS_"
