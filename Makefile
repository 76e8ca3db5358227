# The two commands a new user runs first are `make demo` and `make test`; everything they need is
# installed here, into .venv, from requirements.txt pinned by constraints.txt.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The Python that makes .venv: Debian's own when it is 3.11 or later and can make virtualenvs (python3-venv), else the
# first python3 on PATH; PYTHON=... chooses another. Debian builds its Python with profile-guided optimisation:
# ansible-playbook and the modules it starts run about a quarter faster on it than on a Python built from source
# without those options (pyenv's default), and they are where `make test` spends its time.
PYTHON ?= $(shell /usr/bin/python3 -c 'import sys, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
    && echo /usr/bin/python3 || echo python3)
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
	@echo "make test    lint, ansible-test sanity, unit and integration tests (18 to 23 minutes on 2 CPUs)"
	@echo "make sandbox-start | sandbox-stop | sandbox-status    manage the local AWS sandbox"
	@echo "make bench   API calls and wall time against a sandbox of its own, and the symlink switch under load (docs/benchmarks.md)"
	@echo "make bench-symlink   only the symlink switch under load"
	@echo "make clean   remove the virtualenv, build output and sandbox state"

venv: debian-packages $(VENV)/.installed

# Debian packages the product and its tests run on the controller: rsync (the release role copies content
# with ansible.posix.synchronize), apache2-bin (the web servers of the sandbox's instances, strategy efs),
# debootstrap and zstd (the Debian roots of the codedeploy_hooks scenario, docs/instances.md).
# A fresh Debian has none of them, so the set-up installs what is missing, as root; dpkg needs the sbin folders on
# PATH, which a user's PATH on Debian lacks.
DEBIAN_PACKAGES := rsync:rsync apache2-bin:/usr/sbin/apache2 debootstrap:/usr/sbin/debootstrap zstd:zstd

debian-packages:
	@missing=(); for item in $(DEBIAN_PACKAGES); do command -v "$${item#*:}" >/dev/null || missing+=("$${item%%:*}"); done; \
	if (($${#missing[@]})); then \
	    if ((EUID != 0)); then echo "missing Debian packages: $${missing[*]}; install them (apt-get install $${missing[*]}) or run make as root" >&2; exit 2; fi; \
	    echo "installing $${missing[*]} from the Debian packages"; \
	    export PATH="$$PATH:/usr/local/sbin:/usr/sbin:/sbin"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$${missing[@]}" >/dev/null; \
	fi

# Bytecode: every ansible-playbook and every module it starts imports ansible, boto3 and botocore anew, and a Python
# that finds no compiled file (.pyc) beside a source compiles it again each time; where PYTHONDONTWRITEBYTECODE is set
# it never keeps what it compiled (a task running amazon.aws.autoscaling_group_info took 0.74 s instead of 0.51 s on 2
# CPUs). So the set-up compiles the venv's packages once, but of the ansible package's tens of thousands of collection
# files only the collections the controller loads (PRECOMPILED_COLLECTIONS); modules reach their hosts in zip files.
PRECOMPILED_COLLECTIONS := amazon/aws community/aws community/general ansible/posix
COMPILE = $(BIN)/python -m compileall -q -j 0

$(VENV)/.installed: requirements.txt constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-compile -r requirements.txt -c constraints.txt
	@site=$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])') \
	    && $(COMPILE) -x '/ansible_collections/' "$$site" \
	    && $(COMPILE) $(addprefix "$$site"/ansible_collections/,$(PRECOMPILED_COLLECTIONS))
	@touch $@

# Build the collection artifact and install it, so every run exercises what users would install.
install: debian-packages $(COLLECTIONS)/ansible_collections/teal/bluegreen/MANIFEST.json

$(COLLECTIONS)/ansible_collections/teal/bluegreen/MANIFEST.json: $(VENV)/.installed galaxy.yml $(SOURCES)
	@rm -rf $(BUILD) && mkdir -p $(BUILD)
	$(BIN)/ansible-galaxy collection build --force --output-path $(BUILD) . >/dev/null
	$(BIN)/ansible-galaxy collection install --force --no-deps -p $(COLLECTIONS) $(BUILD)/teal-bluegreen-*.tar.gz >/dev/null
	@$(COMPILE) $(COLLECTIONS)/ansible_collections/teal/bluegreen
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

# Each stage of `make test` is timed (tools/stage.sh); the times are summed up at the end, with pytest's 25 slowest.
STAGE := bash tools/stage.sh
STAGE_LOG := $(CURDIR)/tests/output/stages.log
# The tests that need the sandbox run in TEST_WORKERS pytest-xdist workers, each with a sandbox of its own
# (tests/conftest.py), a test file at a time (the files of tests/conftest.py's TOGETHER one after the other), in the
# order tests/conftest.py gives them (the longest first); TEST_WORKERS=1 runs them in this process. One worker more
# than CPUs: part of each test waits on the sandbox's clock, and a third worker on 2 CPUs took a tenth off the time.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 2) + 1 )))
PYTEST_WORKERS = $(if $(filter-out 0 1,$(TEST_WORKERS)),-n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder)

units: install
	$(BIN)/python -m pytest tests/unit

# Everything but the unit tests: the modules, roles and playbooks against the sandbox, the instances, the
# packaging, the quick reliability tests and the sandbox's own.
integration: install
	$(BIN)/python -m pytest $(PYTEST_WORKERS) --durations=25 --ignore=tests/unit

test: install
	@mkdir -p $(dir $(STAGE_LOG)); export BLUEGREEN_STAGE_LOG=$${BLUEGREEN_STAGE_LOG:-$(STAGE_LOG)}; \
	[[ $$BLUEGREEN_STAGE_LOG != "$(STAGE_LOG)" ]] || rm -f "$(STAGE_LOG)"; \
	$(STAGE) lint $(MAKE) --no-print-directory lint \
	    && $(STAGE) sanity $(MAKE) --no-print-directory sanity \
	    && $(STAGE) units $(MAKE) --no-print-directory units \
	    && $(STAGE) integration $(MAKE) --no-print-directory integration; \
	status=$$?; $(STAGE) --summary "$$BLUEGREEN_STAGE_LOG"; exit $$status

# Not part of `make test`; BENCH_ARGS=--quick runs each measurement once.
bench: install
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)
	bash benchmarks/symlink_switch.sh

# The long reliability runs, which `make test` skips (it runs the quick reliability tests): deploy, switch and clean
# under 30% throttling (BLUEGREEN_RELIABILITY_RUNS cycles, 20 unless set), the IAM policy as shipped under the
# sandbox's enforcement, deploy, switch, rollback and clean of every strategy killed after each of their writes (the
# kill points of each scenario printed), and deploy, switch and clean (strategies alb and route53) with the answer to
# each of their writes lost or replaced by a server error (docs/reliability.md).
# They run at once, each against a sandbox of its own on the port below; the output of each is shown when it ends.
RELIABILITY_THROTTLING_PORT ?= 4591
RELIABILITY_CRASH_PORT ?= 4596
RELIABILITY_LEAST_PRIVILEGE_PORT ?= 4598
RELIABILITY_LOST_RESPONSES_PORT ?= 4592
# -rP shows what the runs print: the seed and what it drew, the kill points, the figures.
RELIABILITY_PYTEST = BLUEGREEN_RELIABILITY_RUNS=$${BLUEGREEN_RELIABILITY_RUNS:-20} $(BIN)/python -m pytest -p no:cacheprovider -m long -rP

.PHONY: reliability reliability-sample reliability-throttling reliability-crash reliability-least-privilege \
    reliability-lost-responses
RELIABILITY_TARGETS = reliability-throttling reliability-crash reliability-least-privilege reliability-lost-responses
reliability: install
	@$(MAKE) --no-print-directory -j4 --output-sync=target $(RELIABILITY_TARGETS)

# What CI runs of the long runs: the same four tests on a fixed sample drawn with RELIABILITY_SEED, which each prints
# with what it drew: 4 throttled cycles (and 2 without faults), 1 kill point of each crash scenario (every strategy),
# 1 action of each least-privilege cycle taken away, 1 faulted write of each playbook for each fault (strategy alb).
RELIABILITY_SEED ?= 1
reliability-sample: install
	@BLUEGREEN_RELIABILITY_SEED=$(RELIABILITY_SEED) BLUEGREEN_RELIABILITY_RUNS=4 BLUEGREEN_RELIABILITY_BASELINE_RUNS=2 \
	    BLUEGREEN_RELIABILITY_CRASH_SAMPLE=1 BLUEGREEN_LEAST_PRIVILEGE_SAMPLE=1 BLUEGREEN_RELIABILITY_LOST_SAMPLE=1 \
	    $(MAKE) --no-print-directory -j4 --output-sync=target $(RELIABILITY_TARGETS)

reliability-throttling: install
	BLUEGREEN_TEST_SANDBOX_PORT=$(RELIABILITY_THROTTLING_PORT) $(RELIABILITY_PYTEST) tests/reliability/test_throttling.py

reliability-crash: install
	BLUEGREEN_TEST_SANDBOX_PORT=$(RELIABILITY_CRASH_PORT) $(RELIABILITY_PYTEST) tests/reliability/test_crash.py

reliability-least-privilege: install
	BLUEGREEN_LEAST_PRIVILEGE_PORT=$(RELIABILITY_LEAST_PRIVILEGE_PORT) $(RELIABILITY_PYTEST) tests/reliability/test_least_privilege.py

reliability-lost-responses: install
	BLUEGREEN_TEST_SANDBOX_PORT=$(RELIABILITY_LOST_RESPONSES_PORT) $(RELIABILITY_PYTEST) tests/reliability/test_lost_responses.py

# Zero-downtime benchmark of efs_symlink_switch against a local Apache; installs apache2-bin and wrk when missing.
bench-symlink: install
	bash benchmarks/symlink_switch.sh

clean:
	-test -x $(BIN)/python && $(BIN)/python tools/sandbox.py remove
	-test -x $(BIN)/python && for dir in tests/output/sandbox-*/; do [[ ! -d $$dir ]] || $(BIN)/python tools/sandbox.py --dir "$$dir" remove; done
	-test -x $(BIN)/python && $(BIN)/python tools/debian_roots.py destroy --root tests/output/molecule/codedeploy_hooks
	rm -rf $(VENV) $(BUILD) $(BLUEGREEN_SANDBOX_DIR) tests/output .pytest_cache

# The codedeploy_hooks role on real Debian roots (extensions/molecule/codedeploy_hooks), the appspec rules and the
# hook scripts; `make test` runs them with the rest. The Molecule scenario needs root (docs/instances.md).
.PHONY: instances
instances: install
	$(BIN)/python -m pytest tests/instances
