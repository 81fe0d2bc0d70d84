# TenantAtlas: `make run` for the zero-set-up demo, `make test` for the suite.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export UV_COMPILE_BYTECODE := 1
export PATH := $(CURDIR)/.venv/bin:$(HOME)/.local/bin:$(PATH)

TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tenantatlas
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
PYTEST_ARGS ?=

.PHONY: venv run test lint format bench clean

venv:
	@scripts/bootstrap

run: venv
	@scripts/run-demo

# Playwright's sync API runs an event loop in the test thread; Django's ORM
# calls from such tests need DJANGO_ALLOW_ASYNC_UNSAFE (see STACK-NOTES).
TEST_ENV = DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" \
	REDIS_URL="$${REDIS_URL:-$(TEST_REDIS_URL)}" \
	SECRET_KEY="$${SECRET_KEY:-insecure-test-only-key}" DEBUG=0 DJANGO_ALLOW_ASYNC_UNSAFE=true

test: venv
	@$(TEST_ENV) scripts/check-services
	$(TEST_ENV) .venv/bin/python -m pytest $(PYTEST_ARGS)

lint: venv
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	DEBUG=1 .venv/bin/mypy .

format: venv
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

bench: venv
	$(TEST_ENV) .venv/bin/python bench/drift.py
	$(TEST_ENV) .venv/bin/python bench/backup_add.py

clean:
	rm -rf .venv var
