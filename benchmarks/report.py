"""RESULTS.md and the latency chart, from what the benchmarks return."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from benchmarks.stats import at

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Section:
    """One benchmark's table: what was run, the numbers, the verdict against its targets."""

    title: str
    command: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # label -> latency in ms at each of stats.PERCENTILES, for the chart
    latencies: dict[str, list[float]] = field(default_factory=dict)
    # numbers other sections summarise (peak memory)
    facts: dict[str, float] = field(default_factory=dict)

    def markdown(self) -> str:
        lines = [f"## {self.title}", "", f"Command: `{self.command}`", ""]
        if self.rows:
            lines.append("| " + " | ".join(self.columns) + " |")
            lines.append("|" + "|".join("---" for _ in self.columns) + "|")
            lines += ["| " + " | ".join(row) + " |" for row in self.rows]
            lines.append("")
        lines += [f"* {note}" for note in self.notes]
        return "\n".join(lines).rstrip() + "\n"


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _tool_version(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "not installed"
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0] if text else "unknown"


def machine() -> list[str]:
    """Where the numbers come from: cores, CPU, OS, Python and every package that matters."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    packages = ["httpx", "starlette", "uvicorn", "uvloop", "httptools", "attrs", "openapi-python-client"]
    versions = ", ".join(f"{name} {_version(name)}" for name in packages)
    return [
        f"Machine: {os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}; "
        "client, server and load generator share these cores.",
        f"Python {platform.python_version()} ({sys.executable}); {versions}.",
        f"wrk: {_tool_version(['wrk', '--version'])}; node: {_tool_version(['node', '--version'])}.",
    ]


def write(
    out_dir: Path, sections: list[Section], *, header: list[str], quick: bool, findings: str | None = None
) -> Path:
    """Write RESULTS.md (and the chart, when matplotlib is there) into out_dir.

    `findings` is hand-written prose (benchmarks/findings.md): what the profiles of missed targets
    showed and what was done about them, kept beside the numbers it explains.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    chart = write_chart(out_dir / "latency.png", sections)
    parts = ["# Benchmark results", ""]
    if quick:
        parts += [
            "**Smoke run (`make bench QUICK=1`): too short to mean anything; it only proves the harness works.**",
            "",
        ]
    parts += [*header, ""]
    parts += [f"* {line}" for line in machine()]
    parts.append("")
    if chart is not None:
        parts += [f"![latency distributions]({chart.name})", ""]
    else:
        parts += ["(No chart: matplotlib is not installed; `make bench` installs benchmarks/requirements.txt.)", ""]
    parts += [section.markdown() for section in sections]
    if findings:
        parts.append(findings.rstrip() + "\n")
    path = out_dir / "RESULTS.md"
    path.write_text("\n".join(parts))
    return path


def write_chart(path: Path, sections: list[Section]) -> Path | None:
    """Box plots of every latency distribution, one panel per benchmark that has any."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import FuncFormatter
    except ImportError:
        return None
    panels = [s for s in sections if s.latencies]
    if not panels:
        return None
    fig, axes = plt.subplots(len(panels), 1, figsize=(10, 2.2 + 1.3 * sum(len(s.latencies) for s in panels) / 2))
    axes_list = axes if len(panels) > 1 else [axes]
    for ax, section in zip(axes_list, panels, strict=True):
        labels = list(section.latencies)
        # Boxes from the percentiles themselves (bxp), not re-estimated from a sample of them.
        boxes = [
            {
                "label": label,
                "whislo": at(section.latencies[label], 1.0),
                "q1": at(section.latencies[label], 25.0),
                "med": at(section.latencies[label], 50.0),
                "q3": at(section.latencies[label], 75.0),
                "whishi": at(section.latencies[label], 99.0),
                "fliers": [],
            }
            for label in labels
        ]
        ax.bxp(boxes, orientation="horizontal", showfliers=False)
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        ax.set_xlabel("latency, ms (box: p25–p75, line: p50, whiskers: p1–p99)")
        ax.set_title(section.title, fontsize=10)
        ax.grid(axis="x", which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
