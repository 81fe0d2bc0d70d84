# TenantAtlas: `make run` for the zero-set-up demo, `make test` for the suite.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export UV_COMPILE_BYTECODE := 1
export PATH := $(CURDIR)/.venv/bin:$(HOME)/.local/bin:$(PATH)

TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tenantatlas
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
PYTEST_ARGS ?=
# pytest-xdist workers: each has its own test database (pytest-django) and Redis
# database (TEST_REDIS_DB - N for worker gwN, see settings.py). 0 runs in one process.
TEST_WORKERS ?= auto

.PHONY: venv run test lint format bench bench-quick bench-setup bench-load clean

venv:
	@scripts/bootstrap

PORT ?= 8000

# The demo dependency group (fakeredis) is for `make run` only; the demo app (DEMO_ENABLED)
# for `make run` and `make test`; `make venv` and production leave both out (docs/decisions.md).
run:
	@scripts/bootstrap --group demo
	@PORT="$(PORT)" scripts/run-demo

# Playwright's sync API runs an event loop in the test thread; Django's ORM
# calls from such tests need DJANGO_ALLOW_ASYNC_UNSAFE (see STACK-NOTES).
TEST_ENV = DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" \
	REDIS_URL="$${REDIS_URL:-$(TEST_REDIS_URL)}" \
	SECRET_KEY="$${SECRET_KEY:-insecure-test-only-key}" DEBUG=0 DJANGO_ALLOW_ASYNC_UNSAFE=true \
	DEMO_ENABLED="$${DEMO_ENABLED:-1}"

# Our own modules' bytecode, written once: PYTHONDONTWRITEBYTECODE (set on the
# team's machines) would otherwise make every subprocess the fault tests start
# (workers, reapers, gunicorn) compile them again (docs/performance.md, "Test suite").
test: venv
	@$(TEST_ENV) scripts/check-services
	@case "$(PYTEST_ARGS)" in *"not e2e"*) ;; *) scripts/check-browser ;; esac
	@.venv/bin/python -m compileall -q -j 0 -x '/(\.venv|\.git|var|node_modules)/' . >/dev/null
	$(TEST_ENV) .venv/bin/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

lint: venv
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	DEBUG=1 .venv/bin/mypy .

format: venv
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

# Benchmarks print their figures (docs/performance.md); they use their own
# migrated database and clean up the scratch tenant they create.
# The hub benchmark also uses <BENCH_DATABASE_URL>_10k (the growth set); the
# lifecycle benchmark drives the `default` queue of Redis database
# BENCH_REDIS_DB (default: TEST_REDIS_DB's), so no other worker takes its jobs.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tenantatlas_bench
BENCH_ENV = $(TEST_ENV) DATABASE_URL="$(BENCH_DATABASE_URL)" \
	REDIS_URL="redis://127.0.0.1:6379/$${BENCH_REDIS_DB:-$${TEST_REDIS_DB:-15}}"

bench-setup: venv
	@$(BENCH_ENV) scripts/check-services
	@$(BENCH_ENV) .venv/bin/python scripts/ensure-database
	$(BENCH_ENV) .venv/bin/python manage.py migrate --no-input -v 0

bench: bench-setup
	$(BENCH_ENV) .venv/bin/python bench/hub.py --scale 1
	$(BENCH_ENV) .venv/bin/python bench/lifecycle.py --jobs 500
	$(BENCH_ENV) .venv/bin/python bench/drift.py
	$(BENCH_ENV) .venv/bin/python bench/drift_deepdiff.py
	$(BENCH_ENV) .venv/bin/python bench/backup_add.py
	.venv/bin/python bench/sanitize.py

# The load check: 20 concurrent clients on the hub list for 60 s against
# gunicorn on PostgreSQL (loopback only); BENCH_LOAD_SECONDS shortens it.
bench-load: venv
	@$(BENCH_ENV) scripts/check-services
	@$(BENCH_ENV) .venv/bin/python scripts/ensure-database
	$(BENCH_ENV) .venv/bin/python manage.py migrate --no-input -v 0
	$(BENCH_ENV) .venv/bin/python bench/load_hub.py

# The same at 1/50 scale (24,000 runs; drift 200 vs 200; 20 policies added).
bench-quick: bench-setup
	$(BENCH_ENV) .venv/bin/python bench/hub.py --scale 0.02 --db-suffix _quick
	$(BENCH_ENV) .venv/bin/python bench/lifecycle.py --jobs 50 --pickups 10
	$(BENCH_ENV) .venv/bin/python bench/drift.py --size 200
	$(BENCH_ENV) .venv/bin/python bench/backup_add.py --size 20

clean:
	rm -rf .venv var
