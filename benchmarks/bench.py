# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""`make bench`: API calls and wall time of the collection's modules and playbooks against a local sandbox.

    .venv/bin/python benchmarks/bench.py [--runs N] [--quick] [--no-docs]

Starts a sandbox of its own (a moto server on port 4595, state in tests/output/bench-4595), provisions the
sample application `demo`, and measures, with moto's request recorder counting the API calls each one
makes:

1. the modules state_info, alb_swap, asg_clone and route53_alias_flip, each run as its own process the way
   a host runs it, and the deploy, switch, rollback and clean playbooks in full cycles; the production
   cutover of every switch must be one ModifyListener per listener, and of every flip one
   ChangeResourceRecordSets per hosted zone;
2. the wall time of each (median and spread of N runs) and, through ansible.posix.profile_tasks, of each
   playbook task;
3. the same ALB switch written with amazon.aws and community.aws modules only (benchmarks/baseline_switch.yml);
4. state_info, deploy and switch again in an account holding thousands of unrelated resources;
5. strategy efs's switch across 1, 10 and 50 instances (benchmarks/bench_fanout.py): its wall time and the
   skew between the first and the last instance's link change, with the Ansible settings that bear on it;
6. the waits: how many polls a wait makes, and how long after the awaited state is reached the wait notices;
7. deploy, switch and clean on the sandbox's clock (tools/sandbox_time.py): their wall time in AWS-equivalent
   seconds (times the speed factor the sandbox answers at /_sandbox/clock), against the least time AWS needs with
   the bench's target group settings (benchmarks/bench_bounds.py), and again with the clock so fast that AWS's
   waits take nothing, which leaves their fixed cost.

It prints the tables, replaces its section of docs/benchmarks.md with them (unless --no-docs) and stops its
sandbox. Run `make install` first: it measures the collection installed in .venv/collections.

This file is the entry point; the benchmark's parts are beside it: bench_runner.py runs the modules and playbooks
against the sandbox and measures them, bench_scenarios.py says what is measured, phase by phase, and bench_report.py
turns the measurements into the tables; bench_sandbox.py, bench_fanout.py and bench_bounds.py are the sandbox, the
fan-out's instances and the lower bounds.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys

from bench_report import DOCS
from bench_report import render
from bench_report import results
from bench_report import write_docs
from bench_runner import PORT
from bench_runner import STATE_DIR
from bench_sandbox import COLLECTIONS
from bench_sandbox import ROOT
from bench_sandbox import Sandbox
from bench_scenarios import Bench


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="API calls and wall time of teal.bluegreen against a local sandbox")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement (default %(default)s)")
    parser.add_argument("--quick", action="store_true", help="one run of each measurement, fewer wait samples")
    parser.add_argument("--no-docs", action="store_true", help="print the tables only; leave docs/benchmarks.md alone")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be 1 or more")
    return args


def main(argv=None):
    args = parse_args(argv)
    if not (COLLECTIONS / "ansible_collections" / "teal" / "bluegreen" / "MANIFEST.json").exists():
        print(f"teal.bluegreen is not installed in {COLLECTIONS}; run `make install` first", file=sys.stderr)
        return 1
    runs = 1 if args.quick else args.runs
    bench = Bench(Sandbox(PORT, STATE_DIR), runs, args.quick)
    started = datetime.datetime.now(datetime.timezone.utc)
    try:
        bench.provision()
        bench.modules()
        bench.waits_phase()
        bench.cycles()
        bench.fixed_cost()
        bench.scale()
        bench.fanout_phase()
        bench.route53()
    finally:
        bench.sandbox.stop()
    finished = datetime.datetime.now(datetime.timezone.utc)
    section = render(bench, started, finished)
    print(section)
    (STATE_DIR / "results.json").write_text(json.dumps(results(bench), indent=1), encoding="utf-8")
    if not args.no_docs:
        write_docs(section)
        print(f"wrote the section to {DOCS.relative_to(ROOT)}")
    failed = [(label, text) for label, text, ok in bench.cutovers if not ok]
    for label, text in failed:
        print(f"cutover not in one call per listener / zone: {label}: {text}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
