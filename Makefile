# Newsroom — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# production: the runtime lock alone, none of the test and lint tools
PROD_STAMP := $(VENV)/.installed-production
PORT ?= 8000
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test test-fast serve lint format bench bench-breaking bench-search bench-wordpress bench-pictures bench-related bench-lighthouse bench-live audit clean messages

$(STAMP): requirements-dev.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.lock
	$(PY) -m pip install -q --no-deps -e .
	touch $(STAMP)

$(PROD_STAMP): requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps -e .
	touch $(PROD_STAMP)

# Serve the demo site at http://127.0.0.1:8000/ (SQLite, nothing else to install);
# another port with PORT=8001.
# A worker beside the server runs the background tasks (renditions, Інші новини) queued in
# the database.
run: $(STAMP)
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py seed_demo_if_empty
	DEBUG=1 $(PY) manage.py tasks_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

# axe-core for the browser tests' accessibility checks and the Nu Html Checker, when npm is there.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the accessibility checks will be skipped"; fi

# The whole suite: lint, migrations check, tests (PostgreSQL when DATABASE_URL points there).
test: $(STAMP) node_modules/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)
	# ratings alone: its own settings, without articles or the project package
	$(PY) -m pytest ratings/tests --ds=ratings.tests.settings -q

# Production server: gunicorn, one worker per CPU plus one, after collectstatic; beside it
# TASK_WORKERS (default 2) workers for the background tasks (renditions), stopped with it.
TASK_WORKERS ?= 2
serve: $(PROD_STAMP)
	$(PY) manage.py collectstatic --noinput -v 0
	$(PY) manage.py migrate --noinput
	workers=""; for i in $$(seq $(TASK_WORKERS)); do \
		$(PY) manage.py tasks_worker & workers="$$workers $$!"; done; \
	trap 'kill $$workers 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/gunicorn newsroom.wsgi:application --config newsroom/gunicorn.conf.py

# The apps' unit tests and the system tests that start no browser and no server.
test-fast: $(STAMP)
	$(PY) -m pytest -m "not browser and not slow" $(PYTEST_ARGS)
	$(PY) -m pytest ratings/tests --ds=ratings.tests.settings -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Known vulnerabilities in the locked packages fail; packages the vulnerability service
# cannot be asked about (no network to it) are listed as not audited.
audit: $(STAMP)
	$(VENV)/bin/pip-audit --disable-pip --no-deps -r requirements-dev.lock

messages: $(STAMP)
	DEBUG=1 $(PY) manage.py makemessages -l uk -l en --no-obsolete --ignore='.venv/*'
	DEBUG=1 $(PY) manage.py makemessages -d djangojs -l uk -l en --no-obsolete --ignore='.venv/*' --ignore='node_modules/*' --ignore='staticfiles/*'
	DEBUG=1 $(PY) manage.py compilemessages --ignore='.venv/*'

# Needs PostgreSQL (BENCH_PG, default postgres://postgres@127.0.0.1:5432) and Redis
# (BENCH_REDIS_URL, default redis://127.0.0.1:6379/3); installs Debian's wrk, nginx and
# Varnish (with varnish-modules) if missing.
BENCH_TOOLS := wrk:wrk nginx:nginx varnishd:varnish
bench: $(STAMP)
	@missing=""; for t in $(BENCH_TOOLS); do command -v $${t%%:*} >/dev/null 2>&1 || missing="$$missing $${t#*:}"; done; \
	ls /usr/lib/*/varnish/vmods/libvmod_xkey.so >/dev/null 2>&1 || missing="$$missing varnish-modules"; \
	if [ -n "$$missing" ]; then apt-get update -qq && apt-get install -y -qq $$missing; fi
	$(PY) bench/run.py $(BENCH_ARGS)

# A breaking-news spike end to end on a seeded database (BENCH_ARGS="--database NAME",
# default newsroom_bench_100000, which `make bench` seeds): Varnish before two app servers,
# story views with JavaScript, 200 concurrent voters, sitemaps and feeds.
bench-breaking: $(STAMP)
	$(PY) bench/breaking_news.py $(BENCH_ARGS)

# Search over 3,000 long stories, and the home page while searches run (PostgreSQL as above).
bench-search: $(STAMP)
	$(PY) bench/search.py $(BENCH_ARGS)

# The WordPress import on generated exports of 10,000 and 50,000 posts (PostgreSQL as above).
bench-wordpress: $(STAMP)
	$(PY) bench/wordpress_import.py $(BENCH_ARGS)

# Інші новини: precision@6 on the labelled corpus, before and now, and neighbours ready
# after publishing at 100,000 stories (PostgreSQL as above).
bench-related: $(STAMP)
	$(PY) bench/related.py $(BENCH_ARGS)

# Live pages: 2,000 readers polling one through Varnish while entries are posted (how soon
# each sees an entry, app requests per second), the warm page of 2,000 entries and the
# fragment against the floor (PostgreSQL as above; installs wrk and Varnish if missing).
bench-live: $(STAMP)
	@missing=""; for t in $(BENCH_TOOLS); do command -v $${t%%:*} >/dev/null 2>&1 || missing="$$missing $${t#*:}"; done; \
	ls /usr/lib/*/varnish/vmods/libvmod_xkey.so >/dev/null 2>&1 || missing="$$missing varnish-modules"; \
	if [ -n "$$missing" ]; then apt-get update -qq && apt-get install -y -qq $$missing; fi
	$(PY) bench/live.py $(BENCH_ARGS)

# The picture library's targets: AVIF against WebP at equal SSIM, the admin save of a
# 24-megapixel photo, a worker's peak memory (SQLite, nothing else needed).
bench-pictures: $(STAMP)
	$(PY) bench/pictures.py

# Lighthouse (mobile, performance) on a story with pictures, served as in production;
# Lighthouse comes from npm (npx), Chromium from Debian (CHROMIUM_PATH, /usr/bin/chromium).
bench-lighthouse: $(STAMP)
	$(PY) bench/lighthouse.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles .cache node_modules test-artifacts
