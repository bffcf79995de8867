# The portal's commands. `make run` serves the demo; `make test` runs the whole suite.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Tests run on real PostgreSQL and Redis; these are the local defaults.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/portal
TEST_BROKER_URL ?= redis://127.0.0.1:6379/0

.PHONY: help install system-packages messages fonts run up seed test lint format types migrations-check deploy-check lock bench screenshots clean

help:
	@echo "make run    serve the demo portal on http://$(HOST):$(PORT) with a Celery worker and beat"
	@echo "make test   run the whole test suite on PostgreSQL and Redis"
	@echo "make lint | types | migrations-check | deploy-check | seed | bench | screenshots | up"

$(VENV)/.installed: requirements/base.txt requirements/dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements/dev.txt
	touch $@

install: $(VENV)/.installed

system-packages:
	bash .ci/system-packages.sh

messages: install
	$(PY) manage.py compilemessages --ignore=.venv --ignore=var -v 0

# The report font is cut from the installed Noto Sans CJK SC once (reports/fonts.py); PDFs render without it, slower.
fonts: install
	$(PY) manage.py build_report_font

run: install messages
	@bash .ci/system-packages.sh || echo "PDFs will not render until the packages above are installed."
	@$(PY) manage.py build_report_font || echo "PDFs will be set in the whole Noto font, slower and larger."
	$(PY) manage.py check_services
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py loaddata key_account_sales -v 0
	$(PY) manage.py seed_demo
	$(PY) manage.py send_reminders
	@echo "Portal: http://$(HOST):$(PORT)/   (Ctrl-C stops the server, the worker and beat)"
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/celery -A config worker -Q default,pdf --concurrency 2 --loglevel INFO & \
	$(BIN)/celery -A config beat --loglevel INFO --schedule var/celerybeat-schedule & \
	$(PY) manage.py runserver $(HOST):$(PORT)

seed: install
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py loaddata key_account_sales -v 0
	$(PY) manage.py seed_demo

up:
	docker compose up --build

test: install messages
	@bash .ci/system-packages.sh --browser
	$(PY) manage.py build_report_font
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(TEST_BROKER_URL)} \
		$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

types: install
	$(BIN)/mypy .

migrations-check: install
	$(PY) manage.py makemigrations --check --dry-run

deploy-check: install
	DEBUG=false SECRET_KEY=check-only-$$(date +%s)-a-long-random-looking-value-for-the-deploy-checklist \
		ALLOWED_HOSTS=portal.example.com $(PY) manage.py check --deploy --fail-level WARNING

lock:
	rm -rf var/lockvenv && $(PYTHON) -m venv var/lockvenv
	var/lockvenv/bin/pip install --quiet .
	var/lockvenv/bin/pip freeze --exclude competency-portal > requirements/base.txt.new
	var/lockvenv/bin/pip install --quiet ".[dev]"
	var/lockvenv/bin/pip freeze --exclude competency-portal > requirements/dev.txt.new
	@echo "review requirements/*.new and move them into place"

bench: install messages
	@bash .ci/system-packages.sh --browser
	$(PY) manage.py build_report_font
	$(PY) bench/run.py $(BENCH_ARGS)

screenshots: install
	$(PY) docs/screenshots/take_screenshots.py

clean:
	rm -rf var/broker var/test-media .pytest_cache
