# The two commands a new user runs first are `make demo` and `make test`; everything they need is
# installed here, into .venv, from requirements.txt pinned by constraints.txt.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
COLLECTIONS := $(VENV)/collections
BUILD := $(CURDIR)/build

export PATH := $(BIN):$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export BLUEGREEN_SANDBOX_DIR ?= $(CURDIR)/.sandbox
export BLUEGREEN_SANDBOX_PORT ?= 4599

SOURCES := $(shell git ls-files --cached --others --exclude-standard 2>/dev/null | grep -vE '^(tests|docs|\.ci)/')

.PHONY: help venv debian-packages install demo test lint sanity units integration sandbox-start sandbox-stop sandbox-status clean bench bench-symlink

help:
	@echo "make demo    start the local AWS sandbox, provision the sample app demo, deploy its next release, switch, clean"
	@echo "make test    lint, ansible-test sanity, unit and integration tests"
	@echo "make sandbox-start | sandbox-stop | sandbox-status    manage the local AWS sandbox"
	@echo "make bench   API calls and wall time against a sandbox of its own, and the symlink switch under load (docs/benchmarks.md)"
	@echo "make bench-symlink   only the symlink switch under load"
	@echo "make clean   remove the virtualenv, build output and sandbox state"

venv: debian-packages $(VENV)/.installed

# Debian packages the product and its tests run on the controller: rsync (the release role copies content
# with ansible.posix.synchronize), apache2-bin (the web servers of the sandbox's instances, strategy efs),
# debootstrap and zstd (the Debian roots of the codedeploy_hooks scenario, docs/instances.md).
# A fresh Debian has none of them, so the set-up installs what is missing, as root.
DEBIAN_PACKAGES := rsync:rsync apache2-bin:/usr/sbin/apache2 debootstrap:/usr/sbin/debootstrap zstd:zstd

debian-packages:
	@missing=(); for item in $(DEBIAN_PACKAGES); do command -v "$${item#*:}" >/dev/null || missing+=("$${item%%:*}"); done; \
	if (($${#missing[@]})); then \
	    if ((EUID != 0)); then echo "missing Debian packages: $${missing[*]}; install them (apt-get install $${missing[*]}) or run make as root" >&2; exit 2; fi; \
	    echo "installing $${missing[*]} from the Debian packages"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$${missing[@]}" >/dev/null; \
	fi

$(VENV)/.installed: requirements.txt constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	@touch $@

# Build the collection artifact and install it, so every run exercises what users would install.
install: debian-packages $(COLLECTIONS)/ansible_collections/teal/bluegreen/MANIFEST.json

$(COLLECTIONS)/ansible_collections/teal/bluegreen/MANIFEST.json: $(VENV)/.installed galaxy.yml $(SOURCES)
	@rm -rf $(BUILD) && mkdir -p $(BUILD)
	$(BIN)/ansible-galaxy collection build --force --output-path $(BUILD) . >/dev/null
	$(BIN)/ansible-galaxy collection install --force --no-deps -p $(COLLECTIONS) $(BUILD)/teal-bluegreen-*.tar.gz >/dev/null
	@echo "installed teal.bluegreen into $(COLLECTIONS)"

sandbox-start: venv
	$(BIN)/python tools/sandbox.py start

sandbox-stop: venv
	$(BIN)/python tools/sandbox.py stop

sandbox-status: venv
	$(BIN)/python tools/sandbox.py status

# Provision, then one whole cycle: deploy the next release to the idle colour, switch, clean (playbooks/demo.yml).
demo: install sandbox-start
	$(BIN)/ansible-playbook teal.bluegreen.sandbox -i inventories/local
	ANSIBLE_DISPLAY_SKIPPED_HOSTS=false $(BIN)/ansible-playbook teal.bluegreen.demo -i inventories/local

lint: install
	$(BIN)/ansible-lint --profile production
	$(BIN)/black --check --line-length 120 plugins tests tools benchmarks

sanity: install
	bash tests/sanity.sh

units: install
	$(BIN)/python -m pytest tests/unit

integration: install
	$(BIN)/python -m pytest tests/integration

test: lint sanity
	$(BIN)/python -m pytest

# Not part of `make test`; BENCH_ARGS=--quick runs each measurement once.
bench: install
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)
	bash benchmarks/symlink_switch.sh

# The long reliability runs, which `make test` skips (it runs the quick reliability tests): deploy, switch and clean
# under 30% throttling (BLUEGREEN_RELIABILITY_RUNS cycles, 20 unless set), the IAM policy under moto's
# enforcement, and deploy, switch, rollback and clean killed after each of their writes (docs/reliability.md).
# The three run at once, each against a sandbox of its own on the port below; the output of each is shown when it ends.
RELIABILITY_THROTTLING_PORT ?= 4597
RELIABILITY_CRASH_PORT ?= 4596
RELIABILITY_LEAST_PRIVILEGE_PORT ?= 4598
RELIABILITY_PYTEST = BLUEGREEN_RELIABILITY_RUNS=$${BLUEGREEN_RELIABILITY_RUNS:-20} $(BIN)/python -m pytest -p no:cacheprovider -m long

.PHONY: reliability reliability-throttling reliability-crash reliability-least-privilege
reliability: install
	@$(MAKE) --no-print-directory -j3 --output-sync=target reliability-throttling reliability-crash reliability-least-privilege

reliability-throttling: install
	BLUEGREEN_TEST_SANDBOX_PORT=$(RELIABILITY_THROTTLING_PORT) $(RELIABILITY_PYTEST) tests/reliability/test_throttling.py

reliability-crash: install
	BLUEGREEN_TEST_SANDBOX_PORT=$(RELIABILITY_CRASH_PORT) $(RELIABILITY_PYTEST) tests/reliability/test_crash.py

reliability-least-privilege: install
	BLUEGREEN_LEAST_PRIVILEGE_PORT=$(RELIABILITY_LEAST_PRIVILEGE_PORT) $(RELIABILITY_PYTEST) tests/reliability/test_least_privilege.py

# Zero-downtime benchmark of efs_symlink_switch against a local Apache; installs apache2-bin and wrk when missing.
bench-symlink: install
	bash benchmarks/symlink_switch.sh

clean:
	-test -x $(BIN)/python && $(BIN)/python tools/sandbox.py stop
	-test -x $(BIN)/python && $(BIN)/python tools/debian_roots.py destroy --root tests/output/molecule/codedeploy_hooks
	rm -rf $(VENV) $(BUILD) $(BLUEGREEN_SANDBOX_DIR) tests/output .pytest_cache

# The codedeploy_hooks role on real Debian roots (extensions/molecule/codedeploy_hooks), the appspec rules and the
# hook scripts; `make test` runs them with the rest. The Molecule scenario needs root (docs/instances.md).
.PHONY: instances
instances: install
	$(BIN)/python -m pytest tests/instances
