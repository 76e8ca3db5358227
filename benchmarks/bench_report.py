# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Numbers into tables: medians and spreads of timings, API call counts by operation, Markdown tables."""

from __future__ import annotations

import dataclasses
import statistics
from collections import Counter

from bench_bounds import aws_calls


@dataclasses.dataclass
class Operation:
    """The runs of one measured operation: wall time, API calls by operation and task times of each run."""

    label: str
    how: str
    seconds: list = dataclasses.field(default_factory=list)
    calls: list = dataclasses.field(default_factory=list)
    tasks: list = dataclasses.field(default_factory=list)
    client_cpu: list = dataclasses.field(default_factory=list)
    server_cpu: list = dataclasses.field(default_factory=list)

    def add(self, seconds, counted=None, tasks=None, cpu=None):
        self.seconds.append(seconds)
        if cpu is not None:
            self.client_cpu.append(cpu["client"])
            self.server_cpu.append(cpu["server"])
        if counted is not None:
            self.calls.append(Counter(counted))
        if tasks is not None:
            self.tasks.append(tasks)

    @property
    def median(self):
        return statistics.median(self.seconds)

    @property
    def totals(self):
        return [sum(counted.values()) for counted in self.calls]

    @property
    def median_calls(self):
        return statistics.median(self.totals)

    def by_operation(self):
        """{operation: (fewest, most)} over the runs."""
        names = sorted({name for counted in self.calls for name in counted})
        return {name: (min(c[name] for c in self.calls), max(c[name] for c in self.calls)) for name in names}

    def writes(self):
        return spread(
            [sum(n for name, n in counted.items() if is_write_name(name)) for counted in self.calls], digits=0
        )

    def top_tasks(self, limit):
        """[(task, median seconds over the runs)] of the slowest tasks."""
        names = {name for run in self.tasks for name in run}
        medians = {name: statistics.median(run.get(name, 0.0) for run in self.tasks) for name in names}
        return sorted(medians.items(), key=lambda item: -item[1])[:limit]


def is_write_name(name):
    return aws_calls.is_write(name.split(":", 1)[-1])


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
