"""Benchmark pulumi-workmail against the AWS CLI and a boto3 script on the local WorkMail emulator.

``make bench`` (N = 1, 20, 200) / ``make bench-quick`` (N = 1, 20; AWS CLI only at N=1 and 30 ms), or
``.venv/bin/python -m bench.run [--quick] [--n 1 20] [--latency 0 30] [--tool ...]``.

One emulator process serves the whole run. Every (tool, N, latency) runs in a fresh worker process
(:mod:`bench.worker`) that reseeds the emulator and performs the six scenarios in order; this process
samples the summed RSS of the worker's process tree while each scenario runs and collects the worker's
``ru_maxrss`` with ``os.wait4``. Writes ``.bench/results.json`` (one record per scenario, tool, N and
latency), ``.bench/meta.json`` (hardware and versions), ``.bench/analysis.json`` (overhead, probe,
targets) and ``.bench/tables.md`` (what is printed).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as ``python bench/run.py``
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import report
from bench.common import OUT_DIR, REPO_ROOT, SCENARIOS, TOOLS, EmulatorProcess, isolated_environ

CLI_TOOLS = ("aws-cli-sequential", "aws-cli-parallel4")
SCALE_TOOLS = (
    "pulumi-workmail-runner",
    "pulumi-workmail-provider",
    "pulumi-cli",
    "pulumi-cli-skip-checkpoints",
    "boto3-script",
)
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
HAVE_PROC = Path("/proc/self/task").is_dir()
WORKER_TIMEOUT_S = 3 * 3600


# --------------------------------------------------------------------------------------------------
# Memory: the summed RSS of a process tree, sampled from another process


def _tree(root: int) -> list[int]:
    pids = [root]
    i = 0
    while i < len(pids):
        pid = pids[i]
        i += 1
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{pid}/task"):
                with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{task}/children") as handle:
                    pids.extend(int(child) for child in handle.read().split())
    return pids


def tree_rss_bytes(root: int) -> int:
    total = 0
    for pid in _tree(root):
        with contextlib.suppress(OSError, ValueError, IndexError), open(f"/proc/{pid}/statm") as handle:
            total += int(handle.read().split()[1]) * PAGE_SIZE
    return total


class TreeSampler:
    """Every ``interval`` s, the summed RSS of ``pid`` and its descendants; peaks per marked window."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid = pid
        self.interval = interval
        self._peak = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> None:
        if HAVE_PROC:
            self._thread.start()

    def _sample(self) -> None:
        rss = tree_rss_bytes(self.pid)
        with self._lock:
            self._peak = max(self._peak, rss)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def begin(self) -> None:
        with self._lock:
            self._peak = 0
        if HAVE_PROC:
            self._sample()

    def end(self) -> float | None:
        if not HAVE_PROC:
            return None
        self._sample()
        with self._lock:
            return round(self._peak / 2**20, 1)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


# --------------------------------------------------------------------------------------------------
# Workers


@dataclass
class WorkerRun:
    tool: str
    n: int
    latency_ms: int
    records: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0


def _maxrss_mb(usage: resource.struct_rusage) -> float:
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB elsewhere
    return round(usage.ru_maxrss * scale / 2**20, 1)


def median_runs(runs: Sequence[WorkerRun]) -> WorkerRun:
    """One run whose records are, per scenario, the repeat with the median wall time (samples kept)."""
    first = runs[0]
    combined = WorkerRun(first.tool, first.n, first.latency_ms, seconds=sum(r.seconds for r in runs))
    combined.error = next((r.error for r in runs if r.error), None)
    for scenario in SCENARIOS:
        found = [rec for run in runs for rec in run.records if rec["scenario"] == scenario]
        if not found:
            continue
        ordered = sorted(found, key=lambda rec: rec["wall_s"])
        chosen = dict(ordered[(len(ordered) - 1) // 2])
        if len(found) > 1:
            chosen["wall_s_samples"] = [rec["wall_s"] for rec in found]
            chosen["requests_total_samples"] = [rec["requests_total"] for rec in found]
        combined.records.append(chosen)
    return combined


def run_worker(url: str, tool: str, n: int, latency: int, scratch: Path, log_dir: Path) -> WorkerRun:
    run = WorkerRun(tool, n, latency)
    work_dir = scratch / f"{tool}-n{n}-l{latency}"
    shutil.rmtree(work_dir, ignore_errors=True)
    work_dir.mkdir(parents=True)
    spec = {"tool": tool, "n": n, "latency_ms": latency, "url": url, "work_dir": str(work_dir)}
    log_path = log_dir / f"{tool}-n{n}-l{latency}.log"
    started = time.perf_counter()
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.worker", json.dumps(spec)],
            cwd=REPO_ROOT,
            env=isolated_environ(url),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            start_new_session=True,  # its own process group, so a timeout can stop the whole tree
        )
        sampler = TreeSampler(process.pid)
        sampler.start()

        def expire() -> None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

        watchdog = threading.Timer(WORKER_TIMEOUT_S, expire)
        watchdog.start()
        peak: float | None = None
        assert process.stdout is not None
        try:
            for line in process.stdout:
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                kind = event.pop("event", None)
                if kind == "start":
                    sampler.begin()
                elif kind == "stop":
                    peak = sampler.end()
                elif kind == "end":
                    run.records.append({"tool": tool, "n": n, "latency_ms": latency, **event, "peak_rss_mb": peak})
                elif kind == "error":
                    run.error = f"{event.get('scenario')}: {event.get('message')}"
        finally:
            watchdog.cancel()
            sampler.stop()
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            process.stdout.close()
    run.seconds = time.perf_counter() - started
    maxrss = _maxrss_mb(usage)
    for record in run.records:
        record["worker_maxrss_mb"] = maxrss
        if record["peak_rss_mb"] is None:
            record["peak_rss_mb"] = maxrss
    if process.returncode != 0 and run.error is None:
        run.error = f"worker exited with {process.returncode}"
    if run.error is not None:
        tail = log_path.read_text(errors="replace").strip().splitlines()[-15:]
        run.error += "\n    " + "\n    ".join(tail) + f"\n    (log: {log_path})"
    return run


# --------------------------------------------------------------------------------------------------
# Plan, meta, probe


@dataclass(frozen=True)
class Plan:
    mode: str
    combos: tuple[tuple[str, int, int], ...]  # (tool, n, latency_ms)
    probe_n: int
    repeat: int  # runs of each non-CLI combination; the median wall time per scenario is reported
    scale_combos: tuple[tuple[str, int, int], ...] = ()  # the scaling stage: larger N, no CLI, one run each


def make_plan(args: argparse.Namespace) -> Plan:
    quick: bool = args.quick
    ns: list[int] = args.n or ([1, 20] if quick else [1, 20, 200])
    latencies: list[int] = args.latency or [0, 30]
    tools: list[str] = args.tool or list(TOOLS)
    cli_ns: list[int] = args.cli_n or ([1] if quick else ns)
    cli_latencies: list[int] = args.cli_latency or ([30] if quick else latencies)
    combos = []
    for n in ns:
        for latency in latencies:
            for tool in tools:
                if tool in CLI_TOOLS and (args.reuse_cli or n not in cli_ns or latency not in cli_latencies):
                    continue
                combos.append((tool, n, latency))
    repeat: int = args.repeat or (1 if quick else 3)
    scale_ns: list[int] = [n for n in (args.scale_n or ([] if quick else [400, 1000])) if n > 0]
    scale = tuple(
        (tool, n, latency)
        for n in scale_ns
        for latency in latencies
        for tool in tools
        if tool in SCALE_TOOLS and n not in ns
    )
    probe_n = args.probe_n or (20 if quick else 50)
    return Plan("quick" if quick else "full", tuple(combos), probe_n, repeat, scale)


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _memory_gb() -> float | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    return None


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _git_commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=False, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None


def _source_digest() -> str:
    """A hash of the provider package's sources, to tell which code a result came from (no git needed)."""
    digest = hashlib.sha256()
    for path in sorted((REPO_ROOT / "provider" / "pulumi_workmail").rglob("*.py")):
        digest.update(str(path.relative_to(REPO_ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def hardware_meta(plan: Plan) -> dict[str, Any]:
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "hardware": {
            "cpu_model": _cpu_model(),
            "logical_cpus": os.cpu_count(),
            "usable_cpus": affinity,
            "memory_gb": _memory_gb(),
            "machine": platform.machine(),
            "os": platform.platform(),
        },
        "python": {"version": platform.python_version(), "implementation": platform.python_implementation()},
        "packages": {
            name: _version(name)
            for name in ("pulumi-workmail", "pulumi", "boto3", "botocore", "awscli", "grpcio", "protobuf", "dill")
        },
        "git_commit": _git_commit(),
        "provider_source_sha256": _source_digest(),
        "mode": plan.mode,
        "repeat": plan.repeat,
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def run_probe(url: str, n: int) -> tuple[dict[str, Any] | None, str | None]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.probe", url, str(n)],
        cwd=REPO_ROOT,
        env=isolated_environ(url),
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    if done.returncode != 0:
        return None, done.stderr.strip()[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), None


# --------------------------------------------------------------------------------------------------
# Main


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="N = 1, 20; the AWS CLI only at N=1 and 30 ms")
    parser.add_argument("--n", type=int, nargs="+", help="entity counts (default 1 20 200; quick: 1 20)")
    parser.add_argument("--latency", type=int, nargs="+", help="injected latencies in ms (default 0 30)")
    parser.add_argument("--tool", nargs="+", choices=TOOLS, help="tools to run (default: all)")
    parser.add_argument("--cli-n", type=int, nargs="+", help="entity counts for the AWS CLI tools")
    parser.add_argument(
        "--scale-n",
        type=int,
        nargs="+",
        help="scaling stage: larger N for runner, provider and boto3, one run each, into scaling.json\n"
        "(default 400 1000; quick: none; 0 turns it off)",
    )
    parser.add_argument("--cli-latency", type=int, nargs="+", help="latencies for the AWS CLI tools")
    parser.add_argument("--probe-n", type=int, help="entities in the client-build probe (default 50; quick 20)")
    parser.add_argument("--repeat", type=int, help="runs per non-CLI combination, median reported (default 3; quick 1)")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output directory (default .bench)")
    parser.add_argument("--report-only", action="store_true", help="re-render the report from --out's files")
    parser.add_argument(
        "--reuse-cli",
        type=Path,
        metavar="DIR",
        help="take the AWS CLI tools' records from DIR/results.json instead of measuring them again\n"
        "(they do not depend on this repository's code, and they are most of a full run's time)",
    )
    return parser


def _print(lines: Sequence[str] = ("",)) -> None:
    print("\n".join(lines), flush=True)


def _progress(run: WorkerRun, position: int, total: int) -> str:
    label = f"[{position}/{total}] {run.tool} N={run.n} {run.latency_ms} ms ({run.seconds:.1f} s):"
    parts = [f"{r['scenario']} {r['wall_s']:.2f}s/{r['requests_total']}r" for r in run.records]
    bad = [r["scenario"] for r in run.records if not r.get("verified")]
    text = f"{label} " + ", ".join(parts)
    if bad:
        text += f"  STATE MISMATCH after {', '.join(bad)}"
    if run.error:
        text += f"\n  ERROR {run.error}"
    return text


@contextlib.contextmanager
def emulator() -> Iterator[EmulatorProcess]:
    process = EmulatorProcess()
    target = "PASS" if process.startup_s < 2.0 else "FAIL"
    print(f"emulator started in {process.startup_s:.2f} s (target < 2 s): {target}")
    try:
        yield process
    finally:
        process.stop()


DERIVED_KEYS = ("requests_per_entity", "latency_floor_s", "wall_vs_boto3")


def reused_cli_records(directory: Path, plan: Plan, meta: dict[str, Any]) -> list[dict[str, Any]]:
    """The AWS CLI records of an earlier run, for the N and latencies of this plan."""
    earlier_meta = json.loads((directory / "meta.json").read_text())
    ns = {n for _, n, _ in plan.combos}
    latencies = {latency for _, _, latency in plan.combos}
    reused = []
    for record in json.loads((directory / "results.json").read_text()):
        if record["tool"] in CLI_TOOLS and record["n"] in ns and record["latency_ms"] in latencies:
            kept = {k: v for k, v in record.items() if k not in DERIVED_KEYS}
            kept["reused_from"] = earlier_meta.get("started_at")
            reused.append(kept)
    meta["reused_cli_from"] = {
        "directory": str(directory),
        "started_at": earlier_meta.get("started_at"),
        "git_commit": earlier_meta.get("git_commit"),
        "records": len(reused),
    }
    _print([f"reused {len(reused)} AWS CLI records from {directory} ({earlier_meta.get('started_at')})"])
    return reused


RECORD_KEYS = ("scenario", "tool", "n", "latency_ms", "wall_s", "requests", "requests_total", "peak_rss_mb")


def _ordered(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    report.derive(records)
    return [{**{key: record.get(key) for key in RECORD_KEYS}, **record} for record in report.sort_records(records)]


def finish(
    records: list[dict[str, Any]],
    scaling: list[dict[str, Any]],
    probe: dict[str, Any] | None,
    meta: dict[str, Any],
    out: Path,
) -> None:
    """Derive ratios, overhead and targets; print the tables; write the JSON files and tables.md."""
    records = _ordered(records)
    scaling = _ordered(scaling)
    linear = report.overhead(records + scaling)
    targets = report.targets(records, probe, linear)
    hw = meta["hardware"]

    lines: list[str] = []
    lines += ["", "## Wall time (seconds; x: over the boto3 script's)", "", *report.wall_table(records)]
    lines += ["", "## WorkMail requests (per entity)", "", *report.requests_table(records)]
    lines += ["", "## Peak RSS of the tool's process tree (MB, largest over scenarios and latencies)", ""]
    lines += report.rss_table(records)
    timing = report.time_table(records)
    if timing:
        lines += ["", "## Where the time goes (largest N, highest latency; floor = requests x latency / in flight)", ""]
        lines += timing
    scaled = report.scaling_table(records + scaling) if scaling else []
    if scaled:
        lines += ["", "## Scaling stage (one run each; N=200 from the main table)", "", *scaled]
    lines += ["", "## Per-resource cost without latency: (wall(N) - wall(1)) / (N - 1)", ""]
    lines += report.overhead_table(linear)
    if probe is not None:
        lines += ["", f"## Client-build probe ({probe['n']} entities)", ""]
        inproc = probe["in_process"]
        lines.append(
            f"- in-process, {inproc['provider_calls']} provider calls from 4 threads, "
            f"{inproc['workmail_api_calls']} API calls: client_count() {inproc['client_count_before']} -> "
            f"{inproc['client_count_after']}, clients created {inproc['clients_created']}, WorkMail service "
            f"models built {inproc['workmail_service_models']}, "
            f"model files parsed {inproc['workmail_model_file_loads']}"
        )
        for run in probe["provider_server"]:
            lines.append(
                f"- provider server (pid {run['pid']}), {run['operation']}: {run['provider_calls']} provider calls, "
                f"{run['workmail_api_calls']} API calls -> clients created {run['clients_created']}, service models "
                f"{run['workmail_service_models']}, model files parsed {run['workmail_model_file_loads']}, "
                f"client_count() {run['pulumi_workmail_client_count']}"
            )
    lines += ["", "## Targets", ""]
    lines += [f"- {t['status']:4} {t['target']}: {t['detail']}" for t in targets]
    duration = meta.get("duration_s")
    lines += ["", f"Total bench time: {duration} s ({meta.get('mode')}); results in {out / 'results.json'}"]
    _print(lines)

    (out / "results.json").write_text(json.dumps(records, indent=1) + "\n")
    scaling_path = out / "scaling.json"
    if scaling:
        scaling_path.write_text(json.dumps(scaling, indent=1) + "\n")
    else:
        scaling_path.unlink(missing_ok=True)
    (out / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    analysis = {"overhead_0ms": linear, "client_probe": probe, "targets": targets}
    (out / "analysis.json").write_text(json.dumps(analysis, indent=1) + "\n")
    header = [
        f"# bench ({meta.get('mode')}) on {hw['cpu_model']}, {hw['logical_cpus']} CPUs, Python "
        f"{meta['python']['version']}, {meta.get('started_at')}"
    ]
    (out / "tables.md").write_text("\n".join(header + lines) + "\n")


def report_only(out: Path) -> int:
    """Re-render tables, overhead and targets from an earlier run's files (no measuring)."""
    records = json.loads((out / "results.json").read_text())
    meta = json.loads((out / "meta.json").read_text())
    analysis_path = out / "analysis.json"
    probe = json.loads(analysis_path.read_text()).get("client_probe") if analysis_path.exists() else None
    scaling_path = out / "scaling.json"
    scaling = json.loads(scaling_path.read_text()) if scaling_path.exists() else []
    finish(records, scaling, probe, meta, out)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    out: Path = args.out
    if args.report_only:
        return report_only(out)
    plan = make_plan(args)
    out.mkdir(parents=True, exist_ok=True)
    scratch = out / "work"
    log_dir = out / "logs"
    shutil.rmtree(scratch, ignore_errors=True)
    log_dir.mkdir(parents=True, exist_ok=True)
    clock = time.perf_counter()
    meta = hardware_meta(plan)
    hw = meta["hardware"]
    _print(
        [
            f"bench ({plan.mode}): {len(plan.combos)} combinations x {len(SCENARIOS)} scenarios "
            f"(non-CLI tools {plan.repeat}x, median), {len(plan.scale_combos)} in the scaling stage; "
            f"{hw['cpu_model']}, {hw['logical_cpus']} CPUs, Python {meta['python']['version']}",
        ]
    )

    records: list[dict[str, Any]] = []
    errors: list[str] = []
    probe: dict[str, Any] | None = None
    with emulator() as emu:
        for position, (tool, n, latency) in enumerate(plan.combos, 1):
            times = 1 if tool in CLI_TOOLS else plan.repeat
            run = median_runs([run_worker(emu.url, tool, n, latency, scratch, log_dir) for _ in range(times)])
            records.extend(run.records)
            if run.error:
                errors.append(f"{tool} N={n} {latency} ms: {run.error}")
            _print([_progress(run, position, len(plan.combos))])
        scaling: list[dict[str, Any]] = []
        for position, (tool, n, latency) in enumerate(plan.scale_combos, 1):
            run = run_worker(emu.url, tool, n, latency, scratch, log_dir)
            scaling.extend(run.records)
            if run.error:
                errors.append(f"{tool} N={n} {latency} ms (scaling): {run.error}")
            _print([_progress(run, position, len(plan.scale_combos)).replace("[", "[scaling ", 1)])
        probe_started = time.perf_counter()
        probe, probe_error = run_probe(emu.url, plan.probe_n)
        if probe_error:
            errors.append(f"probe: {probe_error}")
        elif probe is not None:
            probe["seconds"] = round(time.perf_counter() - probe_started, 2)
    shutil.rmtree(scratch, ignore_errors=True)

    if args.reuse_cli:
        records += reused_cli_records(args.reuse_cli, plan, meta)
    meta["duration_s"] = round(time.perf_counter() - clock, 1)
    meta["plan"] = [{"tool": t, "n": n, "latency_ms": lat} for t, n, lat in plan.combos]
    meta["scaling_plan"] = [{"tool": t, "n": n, "latency_ms": lat} for t, n, lat in plan.scale_combos]
    finish(records, scaling, probe, meta, out)

    if errors:
        _print(["", "Errors:", *(f"- {e}" for e in errors)])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
