# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The report of `make bench`: numbers into tables (medians and spreads of timings, API call counts by operation,
Markdown tables), the sections of docs/benchmarks.md it writes from a finished Bench, and its results.json."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import platform
import statistics
import subprocess
import sysconfig
from importlib import metadata
from pathlib import Path

from bench_bounds import BOOT_SECONDS
from bench_bounds import weakest
from bench_runner import Operation
from bench_sandbox import ROOT
from bench_scenarios import BASELINE_MODULE
from bench_scenarios import FANOUT_SETTINGS
from bench_scenarios import FANOUT_SIZE_OF
from bench_scenarios import FANOUT_SIZES
from bench_scenarios import FAST_CLOCK
from bench_scenarios import NOISE
from bench_scenarios import PROBES

DOCS = ROOT / "docs" / "benchmarks.md"
BEGIN = "<!-- make bench: begin (written by benchmarks/bench.py) -->"
END = "<!-- make bench: end -->"
# The names of the unrelated resources of the account-scale measurement (bench_scenarios.NOISE).
NOISE_NAMES = {
    "auto_scaling_groups": "Auto Scaling groups",
    "target_groups": "target groups",
    "parameters": "SSM parameters",
}
FLAT = 1.1
TOP_TASKS = 5


def seconds(value):
    return f"{value:.2f} s"


def spread(values, digits=2):
    """``median (min–max)``, or just the value when every run gave the same."""
    low, high, middle = min(values), max(values), statistics.median(values)
    text = f"{middle:.{digits}f}"
    if round(low, digits) != round(high, digits):
        text += f" ({low:.{digits}f}–{high:.{digits}f})"
    return text


def count_range(low, high):
    return str(low) if low == high else f"{low}–{high}"


def calls_text(spans):
    """Calls by API operation, grouped by service: ``elbv2: DescribeListeners 1, ModifyListener 2; ssm: ...``."""
    services = {}
    for name, span in spans.items():
        service, _, operation = name.partition(":")
        services.setdefault(service, []).append(f"{operation} {count_range(*span)}")
    return "; ".join(f"{service}: {', '.join(items)}" for service, items in services.items())


def ratio(numerator, denominator):
    return numerator / denominator if denominator else float("nan")


def table(headers, rows, pad_last=True):
    """A Markdown table with its columns padded to their widest cell (but for a long last column)."""
    cells = [[str(cell) for cell in headers]] + [[str(cell) for cell in row] for row in rows]
    widths = [max(len(row[column]) for row in cells) for column in range(len(headers))]
    if not pad_last:
        widths[-1] = len(cells[0][-1])

    def line(row):
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths)) + " |"

    return "\n".join([line(cells[0]), line(["-" * width for width in widths])] + [line(row) for row in cells[1:]])


def machine():
    """CPUs, operating system and the versions of what the numbers depend on."""
    release = {}
    with contextlib.suppress(OSError):
        for line in Path("/etc/os-release").read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition("=")
            release[key] = value.strip('"')
    versions = []
    for name in ("ansible-core", "moto", "boto3"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions.append(f"{name} {metadata.version(name)}")
    collections = []
    for name in ("amazon/aws", "community/aws"):
        manifest = Path(sysconfig.get_paths()["purelib"]) / "ansible_collections" / name / "MANIFEST.json"
        with contextlib.suppress(OSError, ValueError):
            info = json.loads(manifest.read_text(encoding="utf-8"))["collection_info"]
            collections.append(f"{info['namespace']}.{info['name']} {info['version']}")
    return (
        f"{len(os.sched_getaffinity(0))} CPUs, {release.get('PRETTY_NAME', platform.system())}, "
        f"Python {platform.python_version()}, {', '.join(versions + collections)}"
    )


def commit():
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
    return head.strip() + (" with uncommitted changes" if dirty.strip() else "")


def ordered(ops, labels):
    return [ops[label] for label in labels if label in ops]


LABELS = (
    "state_info",
    "alb_swap",
    BASELINE_MODULE,
    "asg_clone (clone, with its wait)",
    "asg_clone (absent)",
    "route53_alias_flip",
    "deploy.yml",
    "switch.yml",
    "rollback.yml",
    "clean.yml",
    "baseline_switch.yml",
    "ansible-playbook, one debug task",
)


def render(bench, started, finished):
    empty, scale = bench.ops["empty"], bench.ops["scale"]
    out = [
        BEGIN,
        "",
        "## API calls and wall time of the modules and playbooks (`make bench`)",
        "",
        "The questions: how many AWS API calls each module and playbook makes, and which; how long each takes and",
        "where the time goes; how a switch written with amazon.aws modules compares; whether calls and time stay",
        "flat in a crowded account; how far apart the instances of strategy efs switch; and whether the waits notice",
        "the state they wait for within one poll interval.",
        "",
        "### Reproducing",
        "",
        "```sh",
        "make bench                                     # this benchmark, then the symlink benchmark above",
        ".venv/bin/python benchmarks/bench.py --quick   # one run of each measurement instead of three",
        ".venv/bin/python benchmarks/bench.py --runs 5 --no-docs   # print only, do not rewrite this section",
        "```",
        "",
        "`benchmarks/bench.py` starts a moto server of its own on port 4595 (state in `tests/output/bench-4595`, so",
        "the sandbox of `make demo` and the tests' are not touched), provisions the sample application `demo` with",
        "`playbooks/sandbox.yml`, measures, stops the server, prints the tables and rewrites this section between",
        "its markers. It measures the collection installed in `.venv/collections`; `make bench` runs `make install`",
        "first.",
        "",
        "- **Modules** run as their own process the way Ansible runs them on a host, without `ansible-playbook`",
        "  around them: `python -m ansible_collections.teal.bluegreen.plugins.modules.<name> args.json`. Their time",
        "  is Python's start, the imports (ansible, boto3) and the API calls.",
        "- **Playbooks** run with `ansible-playbook -i inventories/local` and `bluegreen_poll_interval=1`,",
        "  `bluegreen_test_listener_port=8080`, in full cycles: deploy (a new image), switch, rollback, switch, the",
        "  baseline switch twice (there and back), clean. Per-task times come from the `ansible.posix.profile_tasks`",
        "  callback.",
        "- **API calls** are counted at the sandbox with moto's request recorder (`MOTO_RECORDER_FILEPATH`): one",
        "  entry per request, named by its `Action` (Query APIs), its `X-Amz-Target` (JSON APIs) or, for Route 53,",
        "  its method and path; the service is the signing name of the request. Retries and pages count as calls.",
        "- **The fan-out** of strategy efs needs Apache from Debian's `apache2-bin` (`make venv` installs it, as",
        "  root); without it that section says why it was not measured.",
        "",
        "Measured:",
        "",
        f"- machine: {machine()};",
        f"- date: {started:%Y-%m-%d}, {started:%H:%M} to {finished:%H:%M} UTC;",
        f"- commit: {commit()};",
        f"- sandbox clock: {clock_text(bench.factor)} (read from the benchmark's sandbox, `GET /_sandbox/clock`);",
        f"- runs: {bench.runs} of each measurement; alb_swap, route53_alias_flip and the baseline switch ran",
        f"  {2 * bench.runs} times (there and back), switch.yml {2 * bench.runs} times (twice per cycle), the fan-out's",
        f"  Ansible settings once each; provisioning the sandbox took {bench.provisioning['alb']:.0f} s, the whole",
        f"  benchmark {(finished - started).total_seconds() / 60:.0f} minutes.",
        "",
        "Times vary from run to run with what else the machine is doing; call counts do not, except where the",
        "state a run starts from differs (the first deploy creates the deployment record, the first clean removes",
        "the provisioned fleet, which has no launch template versions of its own to delete).",
        "",
        "### API calls per operation",
        "",
        "`calls` and `writes` are the median and, in brackets, the range over the runs; `by API operation` gives",
        "each operation's count, a range when the runs differ.",
        "",
    ]
    rows = []
    for op in ordered(empty, LABELS):
        if not op.calls or op.label.startswith("ansible-playbook,"):
            continue
        rows.append(
            [op.label, op.how, spread(op.totals, digits=0), spread(op.writes, digits=0), calls_text(op.by_operation())]
        )
    out.append(table(["operation", "how run", "calls", "writes", "by API operation"], rows, pad_last=False))
    for label, reason in bench.not_measured.items():
        out += ["", f"**{label} was not measured**: {reason}"]
    out += ["", "The production cutover, checked in every run:", ""]
    checks = {}
    for label, text, ok in bench.cutovers:
        entry = checks.setdefault((label, text), [0, 0])
        entry[0] += 1
        entry[1] += ok
    rows = [[label, text, f"{good} of {total}"] for (label, text), (total, good) in checks.items()]
    out.append(table(["run", "cutover calls", "runs with one call per listener / zone"], rows))

    out += [
        "",
        "### Wall time",
        "",
        "Seconds per run, and the median CPU seconds of each run: `client CPU` is the module's process, or",
        "ansible-playbook and its workers; `sandbox CPU` is the moto server answering. For playbooks, `in tasks` is",
        "the median sum of the task times profile_tasks reports; the rest is ansible-playbook's start, reading the",
        "inventory and the playbook, and the recap.",
        "",
    ]
    rows = []
    for op in ordered(empty, LABELS):
        in_tasks = seconds(statistics.median(sum(run.values()) for run in op.tasks)) if op.tasks else ""
        rows.append(
            [
                op.label,
                op.how,
                len(op.seconds),
                seconds(op.median),
                seconds(min(op.seconds)),
                seconds(max(op.seconds)),
                in_tasks,
                seconds(statistics.median(op.client_cpu)),
                seconds(statistics.median(op.server_cpu)),
            ]
        )
    out.append(
        table(["operation", "how run", "runs", "median", "min", "max", "in tasks", "client CPU", "sandbox CPU"], rows)
    )
    out += ["", f"The {TOP_TASKS} slowest tasks of each playbook (median over the runs):", ""]
    rows = []
    for op in ordered(empty, LABELS):
        if not op.tasks or op.label.startswith("ansible-playbook,"):
            continue
        for name, took in op.top_tasks(TOP_TASKS):
            rows.append([op.label, name, seconds(took), f"{100 * took / op.median:.0f}%"])
    out.append(table(["playbook", "task", "median", "of the playbook"], rows))

    out += clock_section(bench)
    out += baseline_section(empty)
    out += scale_section(bench, empty, scale)
    out += fanout_section(bench)
    out += waits_section(bench)
    out += ["", END]
    return "\n".join(out) + "\n"


def clock_text(factor):
    if factor is None:
        return "not read"
    if not factor:
        return "stopped (factor 0: moto's timings, AWS's waits take no time)"
    return f"{factor:g} AWS seconds per sandbox second"


def signed(value):
    return f"{value:+.0f}"


def clock_section(bench):
    """Deploy, switch and clean in AWS-equivalent seconds against the least time AWS needs for them."""
    rows = bench.clock_rows()
    if not rows:
        return []
    factor = bench.factor
    new, old = weakest(bench.timings["new"]), weakest(bench.timings["old"])
    bounds = bench.bounds()
    in_use = "a listener still forwarded to it" if old.in_use else "no listener forwarded to it"
    first = [
        [
            label,
            row["runs"],
            f"{row['sandbox_seconds']:.2f}",
            f"{row['aws_seconds']:.0f}",
            f"{row['lower_bound']:.0f}",
            f"{row['ratio']:.1f}" if row["ratio"] is not None else "no bound",
            signed(row["overhead"]),
        ]
        for label, row in rows.items()
    ]
    second = [
        [
            label,
            f"{row['sandbox_seconds']:.2f}",
            f"{row['fixed_seconds']:.2f}",
            f"{row['waiting']:.2f}",
            f"{row['waiting_aws']:.0f}",
            f"{row['lower_bound']:.0f}",
            signed(row["waiting_overhead"]),
            f"{row['estimate']:.0f}",
        ]
        for label, row in rows.items()
        if "fixed_seconds" in row
    ]
    out = [
        "",
        "### On the sandbox's clock: AWS-equivalent seconds against the least AWS allows",
        "",
        "The sandbox takes AWS's time for what AWS makes a deployment wait for, divided by its speed factor",
        f"({clock_text(factor)}): targets `initial` until their instance has booted ({BOOT_SECONDS:g} s) and passed",
        "HealthyThresholdCount health checks, `draining` for the deregistration delay when their target group is in",
        "use, Route 53 changes `PENDING` for 60 s (tools/sandbox_time.py). A playbook's wall time times the factor is",
        "its time in AWS-equivalent seconds. The lower bound (benchmarks/bench_bounds.py, which cites the AWS",
        "documentation) is what any blue/green deployment needs with these target group settings, as CodeDeploy's",
        "EC2 blue/green deployment does it: the deploy waits for the new instances to boot and pass their health",
        "checks before traffic may move, the switch moves all traffic at once (no canary bake), the clean waits out",
        "the old targets' draining (no bake before it).",
        "",
        "The target groups, read from the sandbox (the least of both colours):",
        f"HealthCheckIntervalSeconds {new.interval:g}, HealthyThresholdCount {new.healthy_threshold},",
        f"deregistration delay {old.deregistration_delay:g} s; when the old colour was cleaned, {in_use}.",
        f"Bounds: deploy {bounds['deploy.yml']:g} s ({BOOT_SECONDS:g} + {new.healthy_threshold} x {new.interval:g}),",
        f"switch {bounds['switch.yml']:g} s, clean {bounds['clean.yml']:g} s.",
        "",
        "Medians over the runs of the first table. `ratio` is AWS-equivalent seconds over the bound, `overhead` the",
        "AWS-equivalent seconds above it:",
        "",
        table(
            [
                "playbook",
                "runs",
                "sandbox s",
                f"AWS-equivalent s (x {factor:g})",
                "lower bound (AWS s)",
                "ratio",
                "overhead (AWS s)",
            ],
            first,
        ),
        "",
        "The AWS-equivalent seconds overstate: they multiply all of a run by the factor, Ansible's own time too",
        "(starting ansible-playbook, a worker and a module per task, the API calls), which on AWS takes about as many",
        "wall seconds as here, not the factor times more. To separate it, the benchmark runs deploy, switch and clean",
        f"again with the clock at {FAST_CLOCK:g} AWS seconds per sandbox second, where AWS's waits take no time:",
        "their wall time there is the fixed cost. What the factor's clock added, `waiting` (the difference of the",
        "medians), is the time spent waiting on AWS; times the factor it sets the run against the bound",
        "(`waiting overhead`), and the fixed cost plus the waiting in AWS seconds estimates the run against AWS.",
        f"The roles poll every `bluegreen_poll_interval` = 1 sandbox second, {factor:g} AWS seconds: a wait may",
        "notice the state it waits for up to that long after AWS reached it, where the roles' default on AWS",
        "(15 s) would notice it within 15 s. Differences of medians of single runs carry their noise, a few tenths",
        f"of a sandbox second, times {factor:g}.",
        "",
        table(
            [
                "playbook",
                f"sandbox s at {factor:g}",
                f"fixed cost (sandbox s at {FAST_CLOCK:g})",
                "waiting (sandbox s)",
                "waiting (AWS s)",
                "lower bound (AWS s)",
                "waiting overhead (AWS s)",
                "estimate on AWS (s)",
            ],
            second,
        ),
    ]
    grown = []
    for label in rows:
        op, fast = bench.ops["empty"].get(label), bench.ops["fast_clock"].get(label)
        if not op or not fast or not op.tasks or not fast.tasks:
            continue
        slow, quick = dict(op.top_tasks(len(op.tasks[0]) + 50)), dict(fast.top_tasks(len(fast.tasks[0]) + 50))
        name = max(slow, key=lambda task: slow[task] - quick.get(task, 0.0))
        growth = slow[name] - quick.get(name, 0.0)
        grown.append(
            [
                label,
                name,
                f"{slow[name]:.2f}",
                f"{quick.get(name, 0.0):.2f}",
                f"{growth:.2f}",
                f"{growth * factor:.0f}",
                f"{rows[label]['lower_bound']:.0f}",
            ]
        )
    if grown:
        out += [
            "",
            "Where the waiting is: the task of each playbook whose time (profile_tasks, median) grew the most from",
            "the fast clock to the factor's. Unlike the difference of whole runs, it leaves out the noise the other",
            "tasks carry, which make the same calls at both speeds.",
            "",
            table(
                [
                    "playbook",
                    "task",
                    f"at {factor:g} (s)",
                    f"at {FAST_CLOCK:g} (s)",
                    "grew (sandbox s)",
                    "grew (AWS s)",
                    "lower bound (AWS s)",
                ],
                grown,
            ),
        ]
    return out


def baseline_section(empty):
    ours, theirs = empty.get("switch.yml"), empty.get("baseline_switch.yml")
    if not ours or not theirs:
        return []

    def modify(op):
        return count_range(*op.by_operation().get("elbv2:ModifyListener", (0, 0)))

    def compare(what, mine, other_):
        return [
            [
                f"{what}: API calls",
                spread(mine.totals, 0),
                spread(other_.totals, 0),
                f"{ratio(mine.median_calls, other_.median_calls):.2f}",
            ],
            [f"{what}: writes", spread(mine.writes, digits=0), spread(other_.writes, digits=0), ""],
            [f"{what}: ModifyListener", modify(mine), modify(other_), ""],
            [
                f"{what}: wall time",
                spread(mine.seconds),
                spread(other_.seconds),
                f"{ratio(mine.median, other_.median):.2f}",
            ],
        ]

    rows = compare("playbook", ours, theirs)
    rows.append(
        [
            "playbook: tasks",
            f"{statistics.median(map(len, ours.tasks)):.0f}",
            f"{statistics.median(map(len, theirs.tasks)):.0f}",
            "",
        ]
    )
    if "alb_swap" in empty and BASELINE_MODULE in empty:
        rows += compare("listener module alone", empty["alb_swap"], empty[BASELINE_MODULE])
    fewer_calls = ours.median_calls < theirs.median_calls
    faster = ours.median < theirs.median
    return [
        "",
        "### Against a switch written with amazon.aws modules",
        "",
        "`benchmarks/baseline_switch.yml` is the same ALB switch as a user without this collection would write it:",
        "`amazon.aws.elb_application_lb_info`, `community.aws.elb_target_group_info` (with target health), an",
        "assert on the target colour's health, `amazon.aws.elb_application_lb` restating the production and test",
        "listeners, and `community.aws.ssm_parameter` for `/bluegreen/demo/live`. It ran twice per cycle (there and",
        "back) between the second switch and the clean, against the same load balancer. It does less than the",
        "switch role: no lock, no consistency preflight, no compare-and-swap, no verification after the switch,",
        "no `IsProduction` tags, no automatic return on failure. `listener module alone` compares the module that",
        f"moves the listeners, each run as a module process: `alb_swap` and `{BASELINE_MODULE}` restating both",
        "listeners with the target groups' ARNs.",
        "",
        table(["", "this collection", "amazon.aws / community.aws", "ratio"], rows),
        "",
        "Target (the collection's switch makes fewer calls and takes less time than the baseline): fewer calls "
        f"{'met' if fewer_calls else '**not met**'}, less time {'met' if faster else '**not met**'}.",
    ]


def merged(*ops):
    """The runs of several measurements of one operation as one."""
    found = [op for op in ops if op is not None]
    whole = Operation(found[0].label, found[0].how)
    for op in found:
        whole.seconds += op.seconds
        whole.calls += op.calls
        whole.tasks += op.tasks
        whole.client_cpu += op.client_cpu
        whole.server_cpu += op.server_cpu
    return whole


def scale_section(bench, empty, scale):
    if not scale:
        return []
    after_ops = bench.ops["after"]
    created = ", ".join(
        f"{NOISE[kind]:,} {NOISE_NAMES[kind]} in {bench.noise[kind]:.0f} s" for kind in NOISE if kind in bench.noise
    )
    rows, grown = [], []
    for label in ("state_info", "deploy.yml", "switch.yml", "clean.yml"):
        before, crowded, again = empty.get(label), scale.get(label), after_ops.get(label)
        if not before or not crowded:
            continue
        # The reference is the empty account before and after the crowded runs.
        reference = merged(before, again)
        calls = ratio(crowded.median_calls, reference.median_calls)
        took = ratio(crowded.median, reference.median)
        client = ratio(statistics.median(crowded.client_cpu), statistics.median(reference.client_cpu))
        server = ratio(statistics.median(crowded.server_cpu), statistics.median(reference.server_cpu))
        rows.append(
            [
                label,
                f"{spread(reference.totals, 0)} → {spread(crowded.totals, 0)}",
                f"{calls:.2f}",
                spread(before.seconds),
                spread(crowded.seconds),
                spread(again.seconds) if again else "",
                f"{took:.2f}",
                f"{client:.2f}",
                f"{server:.2f}",
                "yes" if calls <= FLAT else "no",
                "yes" if took <= FLAT else "no",
            ]
        )
        low, high = reference.by_operation(), crowded.by_operation()
        for name in sorted(set(low) | set(high)):
            was, now = low.get(name, (0, 0))[1], high.get(name, (0, 0))[1]
            if now > was:
                grown.append(f"- `{label}`: `{name}` {was} → {now} calls")
    removed = f" ({bench.noise['removing']:.0f} s)" if "removing" in bench.noise else ""
    out = [
        "",
        "### Account scale",
        "",
        "The same account, after adding unrelated resources with boto3:",
        "",
        f"- {created};",
        "- half of the groups and target groups carry the `bluegreen:app` and `bluegreen:color` tags of other",
        "  applications, the other half only a `team` tag; half of the parameters live under",
        "  `/bluegreen/<other app>/`.",
        "",
        "Then state_info, and cycles of deploy, switch and clean, measured as above; then the same again after",
        f"removing the unrelated resources{removed}. The reference (`empty`) is the empty account before and after.",
        f"Ratios are of the medians, crowded over empty; `flat` means at most {FLAT}. Wall times are in seconds, the",
        "median and, in brackets, the range of single runs. The CPU ratios tell the collection's own work (client)",
        "from the sandbox's (server) when wall times move with the load of the machine.",
        "",
        table(
            [
                "operation",
                "calls, empty → crowded",
                "ratio",
                "time, empty before",
                "time, crowded",
                "time, empty after",
                "ratio",
                "client CPU ratio",
                "sandbox CPU ratio",
                "calls flat",
                "time flat",
            ],
            rows,
        ),
        "",
    ]
    if grown:
        out += ["Calls that grew with the account (most calls in one run, empty → crowded):", ""] + grown
    else:
        out.append("No call grew with the account.")
    if bench.probes:
        out += [
            "",
            f"state_info's reads sent directly with boto3, {PROBES} times each: the sandbox's median answer time.",
            "",
            table(
                ["read", "empty", "crowded", "ratio"],
                [
                    [
                        name,
                        f"{1000 * times['empty']:.1f} ms",
                        f"{1000 * times['crowded']:.1f} ms",
                        f"{ratio(times['crowded'], times['empty']):.2f}",
                    ]
                    for name, times in bench.probes.items()
                    if "crowded" in times
                ],
            ),
        ]
    return out


def fanout_section(bench):
    if not bench.fanout:
        return []
    first = next(iter(FANOUT_SETTINGS))

    def row(label, runs):
        return [
            label,
            len(runs),
            spread([run["seconds"] for run in runs]),
            spread([run["skew"] for run in runs]),
            spread([run["first"] for run in runs]),
            spread([run["last"] for run in runs]),
            spread([run["calls"] for run in runs], 0),
            seconds(statistics.median(run["client_cpu"] for run in runs)),
        ]

    headers = [
        "",
        "runs",
        "wall time (s)",
        "skew (s)",
        "first link moved (s)",
        "last link moved (s)",
        "API calls",
        "client CPU",
    ]

    def runs_of(size, setting):
        return [run for run in bench.fanout if run["instances"] == size and run["setting"] == setting]

    def succeeded(runs):
        return [run for run in runs if "failed" not in run]

    by_size = [
        row(f"{size} instance{'s' if size > 1 else ''}", runs)
        for size in FANOUT_SIZES
        if (runs := succeeded(runs_of(size, first)))
    ]
    largest = FANOUT_SIZES[-1]
    by_setting = [
        row(setting if size == largest else f"{setting}, {size} instances", runs)
        for setting in FANOUT_SETTINGS
        for size in (FANOUT_SIZE_OF.get(setting, largest),)
        if (runs := succeeded(runs_of(size, setting)))
    ]
    failed = []
    for size in FANOUT_SIZES:
        for setting in FANOUT_SETTINGS:
            runs = runs_of(size, setting)
            bad = [run for run in runs if "failed" in run]
            if bad:
                moved = ", ".join(str(run["moved"]) for run in bad)
                failed.append(
                    f"- {size} instances, {setting}: {len(bad)} of {len(runs)} runs failed, leaving {moved} of {size}"
                    f" links on the new colour (put back by the benchmark before the next run); the first failure:"
                    f" `{bad[0]['failed'][:300]}`"
                )
    slowest = succeeded(runs_of(largest, first))
    names = {name for run in slowest for name in run["tasks"]}
    medians = {name: statistics.median(run["tasks"].get(name, 0.0) for run in slowest) for name in names}
    top = sorted(medians.items(), key=lambda item: -item[1])[:TOP_TASKS]
    out = [
        "",
        "### Fan-out (strategy efs)",
        "",
        "playbooks/switch.yml with strategy efs across 1, 10 and 50 instances, `-e bluegreen_hosts=fanout`. The",
        "instances are the hosts of an inventory the benchmark writes (`tests/output/bench-4595/fanout/`), each with",
        "`ansible_connection: local` and a web root of its own, a symlink into a local stand-in for EFS. One Apache",
        "(Debian's apache2-bin, started by the benchmark on a free loopback port) serves all of them: its document",
        "root holds every instance's web root, so each instance's release marker has a URL of its own, which the",
        "switch role requests on each instance after its link moved. The reload command is `true`: that Apache",
        "reads the links on every request, so it serves the new release without a reload. Every run switches all its",
        "instances to the other colour; the benchmark checks that each link points at it afterwards.",
        "",
        "`skew` is the time between the first and the last instance's link change, read from the links' `lstat`",
        "modification times after the run (the module creates the new link beside the old one and renames it over",
        "it, so the time is that of the switch); `first` and `last link moved` count from the start of",
        "ansible-playbook. Times in seconds, the median and, in brackets, the range of the runs.",
        "",
        f"By number of instances, with {first}:",
        "",
        table(headers, by_size),
        "",
        f"At {largest} instances (unless the row says otherwise), by Ansible setting (`ANSIBLE_FORKS`,",
        "`ANSIBLE_PIPELINING`, `ANSIBLE_STRATEGY`; the switch playbook's play sets `strategy: linear`, which",
        "`ANSIBLE_STRATEGY` does not override):",
        "",
        table(headers, by_setting),
    ]
    if failed:
        out += ["", "Runs that failed:", ""] + failed
    if top:
        out += [
            "",
            f"The {TOP_TASKS} slowest tasks of the switch of {largest} instances ({first}; a task's time is from its",
            "start on the first instance to its end on the last):",
            "",
            table(["task", "median"], [[name, seconds(took)] for name, took in top]),
        ]
    return out


def waits_section(bench):
    out = [
        "",
        "### Waiting",
        "",
        "On the sandbox's clock a state comes when AWS's time for it has passed, not when the benchmark chooses.",
        "To see a wait notice a change at a known moment, the benchmark spoils the awaited state before the",
        "wait starts and repairs it a set time after the wait's first poll (`reached`, in poll intervals): the",
        "Auto Scaling health of the green fleet's instances (SetInstanceHealth Unhealthy, then Healthy), or the",
        "instances themselves (StopInstances, which the sandbox reports as target state `unused`, then",
        "StartInstances). asg_clone's waiters are called directly (the functions of",
        "`plugins/module_utils/_autoscaling/waiters.py` and `_elbv2/waiters.py` the module calls), alb_swap runs as a",
        "module with `health_wait_timeout` while green has no healthy target. `noticed after` is the time from the",
        "repair to the end of the wait (asg_clone) or to the ModifyListener request seen at the sandbox (alb_swap);",
        "`polls` counts the wait's reads.",
        "",
    ]
    groups = {}
    for item in bench.waits:
        groups.setdefault((item["label"], item["interval"]), []).append(item)
    rows = []
    for (label, interval), items in groups.items():
        noticed = [item["noticed"] for item in items]
        within = sum(1 for value in noticed if value <= interval)
        rows.append(
            [
                label,
                f"{interval} s",
                ", ".join(f"{item['reached']:g}" for item in items),
                ", ".join(str(item["polls"]) for item in items),
                ", ".join(f"{value:.2f}" for value in noticed),
                f"{within} of {len(items)}",
            ]
        )
    out.append(
        table(
            [
                "wait",
                "poll interval",
                "reached (intervals after 1st poll)",
                "polls",
                "noticed after (s)",
                "within one interval",
            ],
            rows,
        )
    )
    out += [
        "",
        "In the module runs of the first table the awaited state holds at a wait's first poll. The reads from the",
        "write a wait follows to the end of the module (asg_clone's clone: the in-service poll, a read of the group",
        "for its instance ids, the target health poll, the final read of the group; its absent: the polls until the",
        "group is empty; route53_alias_flip: one GetChange per change batch):",
        "",
    ]
    rows = []
    for label, runs in bench.wait_polls.items():
        names = sorted({name for run in runs for name in run})
        rows.append(
            [
                label,
                ", ".join(
                    f"{name} {count_range(min(r[name] for r in runs), max(r[name] for r in runs))}" for name in names
                ),
            ]
        )
    out.append(table(["module run", "reads"], rows))
    return out


def write_docs(section):
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n"
    if BEGIN in text and END in text:
        head, _, rest = text.partition(BEGIN)
        _, _, tail = rest.partition(END)
        text = head + section.rstrip("\n") + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section
    DOCS.write_text(text, encoding="utf-8")


def results(bench):
    """All that ``bench`` measured, for results.json."""
    return {
        account: {
            label: {
                "how": op.how,
                "seconds": op.seconds,
                # Wall seconds times the sandbox's speed factor (the fast-clock runs: times FAST_CLOCK).
                "aws_equivalent_seconds": [
                    took * (FAST_CLOCK if account == "fast_clock" else bench.factor or 0.0) for took in op.seconds
                ],
                "client_cpu": op.client_cpu,
                "server_cpu": op.server_cpu,
                "calls": op.calls,
                "tasks": op.tasks,
            }
            for label, op in ops.items()
        }
        for account, ops in bench.ops.items()
    } | {
        "waits": bench.waits,
        "probes": bench.probes,
        "noise_seconds": bench.noise,
        "not_measured": bench.not_measured,
        "fanout": [{key: value for key, value in run.items() if key != "tasks"} for run in bench.fanout],
        "clock": {
            "factor": bench.factor,
            "fast_factor": FAST_CLOCK,
            "target_groups": {
                role: [dataclasses.asdict(timing) for timing in timings] for role, timings in bench.timings.items()
            },
            "lower_bounds": bench.bounds(),
            "playbooks": bench.clock_rows(),
        },
    }
