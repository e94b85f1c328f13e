"""Benchmarks: ``python bench/run.py [--quick]``.

Prints a table and writes ``bench/results.md``. Every number is a ratio against a baseline
measured in the same run, because absolute times vary from machine to machine:

* start-up: wall time of ``layerlint check`` on one typical pipeline against
  ``python -c "import ruamel.yaml"``, both with the interpreter of a throw-away virtual
  environment holding a regular (non-editable) install of this checkout, its dependencies
  those of the running environment; median of at least 15 runs of each, interleaved;
* lint throughput, two ways, each the median of alternating rounds: files per second over
  the shared corpus repeated to >= 5,000 files, in one process, against bare composition
  of the same texts with ruamel's C parser (the floor: layerlint cannot be faster than
  parsing); and as issue 13 measured it, one ``layerlint check --format json`` process over
  the corpus copied 8 times against one process composing the same files (start-up,
  reading, the report included);
* audit throughput: the same files as repositories (each generated repository holds the
  files of one corpus repository at their original paths) through ``layerlint audit``
  with ``--jobs 1`` and ``--jobs 2``; the ratio is the speed-up of two jobs;
* fix throughput: ``--fix --diff`` (``fix_paths(..., write=False)`` plus the diff) over
  copies of the corpus files that have fixable findings, against linting the same files;
* peers: ``yamllint`` and ``check-jsonschema --builtin-schema vendor.azure-pipelines`` over
  one copy of the corpus, against ``layerlint check`` over the same files (each one
  process, start-up included). The bench installs nothing: a missing peer is noted.

Timing assertions never go in tests; this script is where speed is measured.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpus"
CORPUS = SHARED / "files"
TYPICAL = ROOT / "examples" / "uncached" / "azure-pipelines.yml"
ISSUE_COPIES = 8
ISSUE_FILES = ISSUE_COPIES * len(list(CORPUS.iterdir())) if CORPUS.is_dir() else 0
STARTUP_RUNS = 21  # at least 15 (the issue's method), in --quick too
AZURE_SCHEMA = ["--builtin-schema", "vendor.azure-pipelines", "--data-transform",
                "azure-pipelines", "--regex-variant", "nonunicode"]


# As installed: bytecode written (pip compiles at install time), even where the shell
# environment sets PYTHONDONTWRITEBYTECODE.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


@dataclass
class Row:
    measure: str
    ours: str
    baseline: str
    ratio: str
    target: str = "-"
    met: bool | None = None  # None: no target, or not measured

    def cells(self) -> tuple[str, str, str, str, str, str]:
        met = "-" if self.met is None else ("met" if self.met else "NOT met")
        return (self.measure, self.ours, self.baseline, self.ratio, self.target, met)


def installed(work: Path) -> tuple[Path, Path]:
    """(python, console script) of a virtual environment in ``work`` with this checkout
    installed as a user installs it (not editable: an editable install adds a finder to
    every import). Its dependencies are the running environment's, through a ``.pth``
    file: nothing is downloaded, and both sides of the ratio import the same ruamel."""
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   env=ENV)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    purelib = subprocess.run([str(python), "-c", "import sysconfig; "
                              "print(sysconfig.get_paths()['purelib'])"], check=True,
                             capture_output=True, text=True, env=ENV).stdout.strip()
    import site

    deps = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (Path(purelib) / "_layerlint_bench_deps.pth").write_text("\n".join(deps) + "\n")
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
           "--no-deps", str(ROOT)]
    done = subprocess.run(pip, capture_output=True, text=True, env=ENV)
    if done.returncode != 0:  # no package index for the build back-end: use the local one
        subprocess.run([*pip, "--no-build-isolation"], check=True, capture_output=True,
                       env=ENV)
    return python, bindir / ("layerlint.exe" if os.name == "nt" else "layerlint")


def startup_row(work: Path, runs: int) -> tuple[Row, str]:
    python, script = installed(work)
    # outside the checkout and without PYTHONPATH, so the installed copy is the one imported
    env = {k: v for k, v in ENV.items() if k != "PYTHONPATH"}
    base_cmd = [str(python), "-c", "import ruamel.yaml"]
    ours_cmd = [str(script), "check", str(TYPICAL)]
    found = subprocess.run([str(python), "-c", "import layerlint; print(layerlint.__file__)"],
                           cwd=work, capture_output=True, text=True, check=True, env=env)
    assert Path(found.stdout.strip()).is_relative_to(work), found.stdout
    for cmd in (base_cmd, ours_cmd):  # warm caches (and write no bytecode: pip did)
        subprocess.run(cmd, cwd=work, capture_output=True, check=False, env=env)
    times: dict[int, list[float]] = {0: [], 1: []}
    for _ in range(runs):  # interleaved, so a change of load hits both alike
        for i, cmd in enumerate((base_cmd, ours_cmd)):
            start = time.perf_counter()
            subprocess.run(cmd, cwd=work, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False, env=env)
            times[i].append(time.perf_counter() - start)
    base, ours = statistics.median(times[0]), statistics.median(times[1])
    row = Row("start-up: check one pipeline", f"{ours * 1000:.0f} ms",
              f"import ruamel.yaml {base * 1000:.0f} ms", f"{ours / base:.2f}x",
              "<= 1.5x and < 120 ms", ours / base <= 1.5 and ours < 0.120)
    note = (f"start-up: `layerlint check {TYPICAL.relative_to(ROOT)}` against `python -c "
            f"\"import ruamel.yaml\"`, median of {runs} interleaved runs each, regular "
            "(non-editable) install in a throw-away virtual environment")
    return row, note


def wall(cmd: list[str], runs: int, cwd: Path = ROOT) -> float:
    """Median wall time of ``runs`` runs of ``cmd`` (after one warm-up run)."""
    subprocess.run(cmd, cwd=cwd, capture_output=True, check=False, env=ENV)  # warm caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=False, env=ENV)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def corpus_copies(target: int, dest: Path, files: list[Path] | None = None) -> list[Path]:
    """Copies of ``files`` (default: the whole corpus) in ``dest/copyNNN`` until there are
    at least ``target``."""
    files = files if files is not None else sorted(CORPUS.iterdir())
    out: list[Path] = []
    copy = 0
    while len(out) < target and files:
        folder = dest / f"copy{copy:03d}"
        folder.mkdir(parents=True)
        for f in files:
            shutil.copyfile(f, folder / f.name)
            out.append(folder / f.name)
        copy += 1
    return out


def bare_compose(paths: list[Path]) -> float:
    from ruamel.yaml import YAML

    texts = [p.read_text(encoding="utf-8", errors="replace") for p in paths]
    start = time.perf_counter()
    for text in texts:
        try:
            YAML(typ="safe", pure=False).compose(text)
        except Exception:
            continue
    return time.perf_counter() - start


def lint(folder: Path) -> tuple[float, int]:
    from layerlint.engine import Engine

    start = time.perf_counter()
    result = Engine(cwd=folder).run(["."])
    return time.perf_counter() - start, len(result.files)


def in_process_rounds(folder: Path, paths: list[Path], rounds: int) -> list[tuple[float, float]]:
    """(floor, lint) seconds, ``rounds`` times alternately: the machine's other load falls
    on both sides of each ratio alike."""
    import gc

    out = []
    for _ in range(rounds):
        gc.collect()  # the last round's engine, outside the timings
        floor = bare_compose(paths)
        took, _ = lint(folder)
        out.append((floor, took))
    gc.collect()  # the audit below forks workers from this process: leave no garbage behind
    return out


# The issue's way (issue 13): one process composing the files with the C parser, against
# one `layerlint check --format json` process over the same files, start-up included.
COMPOSE_SCRIPT = """
import os, sys
from ruamel.yaml import YAML
for dirpath, _, names in os.walk(sys.argv[1]):
    for name in names:
        with open(os.path.join(dirpath, name), encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        try:
            YAML(typ="safe", pure=False).compose(text)
        except Exception:
            pass
"""


def cpu_wall(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run of ``cmd``."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False, env=ENV)
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return took, cpu


def cli_rounds(command: list[str], folder: Path, rounds: int,
               fmt: str = "json") -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """((wall, cpu) of the compose script, (wall, cpu) of ``layerlint check --format
    fmt``), ``rounds`` times alternately, after one warm-up run of each."""
    base = [sys.executable, "-c", COMPOSE_SCRIPT, "."]
    ours = [*command, "check", "--format", fmt, "."]
    cpu_wall(base, folder)
    cpu_wall(ours, folder)
    return [(cpu_wall(base, folder), cpu_wall(ours, folder)) for _ in range(rounds)]


def median_ratio(pairs: list[tuple[float, float]]) -> float:
    """Median over rounds of baseline time / our time: the share of the floor's speed."""
    return statistics.median(base / ours for base, ours in pairs)


# -- audit ----------------------------------------------------------------------------------
def make_repos(dest: Path, target: int) -> int:
    """Repositories under ``dest`` holding at least ``target`` corpus files: each one the
    files of one corpus repository at their original paths, cycling through the corpus. A
    trailing comment makes every repository's content unique, so no result cache can serve
    one generated repository from another's result. Returns the number of files."""
    groups: dict[str, list[tuple[str, str]]] = {}
    with open(SHARED / "manifest.tsv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            groups.setdefault(row["repo"], []).append((row["file"], row["path"]))
    names = sorted(groups)
    written = 0
    i = 0
    while written < target:
        origin = names[i % len(names)]
        repo = dest / f"repo-{i:05d}-{origin.replace('/', '-')}"
        (repo / ".git").mkdir(parents=True)
        for file, path in groups[origin]:
            out = repo / path
            out.parent.mkdir(parents=True, exist_ok=True)
            data = (CORPUS / file).read_bytes()
            out.write_bytes(data + f"\n# layerlint bench: repository {i}\n".encode())
            written += 1
        i += 1
    return written


def audit_once(repos: Path, work: Path, jobs: int) -> tuple[float, int] | str:
    """Seconds and pipeline files of one cold-cache audit, or why it could not run."""
    try:
        from layerlint.audit.cli import main
    except ImportError as exc:
        return f"layerlint.audit.cli not importable ({exc})"
    cache = work / f"cache-{jobs}"
    shutil.rmtree(cache, ignore_errors=True)
    out_json = work / f"audit-{jobs}.json"
    argv = ["--discover", str(repos), "--depth", "1", "--jobs", str(jobs), "--cache-dir",
            str(cache), "--json", str(out_json), "--quiet"]
    err = io.StringIO()
    start = time.perf_counter()
    code = main(argv, stdout=io.StringIO(), stderr=err)
    elapsed = time.perf_counter() - start
    if code not in (0, 1) or not out_json.exists():
        return f"layerlint audit exited {code}: {err.getvalue().strip()[:200]}"
    totals = json.loads(out_json.read_text(encoding="utf-8"))["totals"]
    return elapsed, int(totals["files"])


def audit_rows(work: Path, target: int, repeat: int) -> tuple[list[Row], list[str]]:
    repos = work / "repos"
    written = make_repos(repos, target)
    best: dict[int, tuple[float, int]] = {}
    for jobs in (1, 2):
        for _ in range(repeat):  # the fastest run counts: other load only slows a run down
            got = audit_once(repos, work, jobs)
            if isinstance(got, str):
                return ([Row("audit throughput", "skipped", "-", "-", ">= 1.7x speed-up")],
                        [f"audit: {got}"])
            if jobs not in best or got[0] < best[jobs][0]:
                best[jobs] = got
    (t1, n1), (t2, n2) = best[1], best[2]
    speedup = t1 / t2
    return ([Row("audit throughput, --jobs 2", f"{n2 / t2:.0f} files/s",
                 f"--jobs 1 {n1 / t1:.0f} files/s", f"{speedup:.2f}x speed-up",
                 ">= 1.7x", speedup >= 1.7)],
            [f"audit: {written} files in {len(list(repos.iterdir()))} repositories, "
             f"{n1} of them pipelines; fastest of {repeat} cold-cache runs each"])


# -- fix ------------------------------------------------------------------------------------
def fixable_corpus_files() -> list[Path]:
    from layerlint.engine import Engine

    result = Engine(cwd=CORPUS).run(["."])
    names = {f.path for f in result.findings if f.fix is not None and f.fix.edits}
    return sorted(CORPUS / name for name in names)


def fix_rows(work: Path, target: int) -> tuple[list[Row], list[str]]:
    from layerlint.engine import Engine
    from layerlint.fixer import fix_paths

    files = fixable_corpus_files()
    if not files:
        return [Row("fix throughput", "skipped", "-", "-")], ["fix: no fixable corpus file"]
    folder = work / "fix"
    paths = corpus_copies(target, folder, files)
    lint_took, _ = lint(folder)
    start = time.perf_counter()
    outcomes = fix_paths(Engine(cwd=folder), ["."], write=False)
    diff = "".join(o.diff() for o in outcomes)
    took = time.perf_counter() - start
    changed = sum(o.changed for o in outcomes)
    return ([Row("fix throughput (--fix --diff)", f"{len(paths) / took:.0f} files/s",
                 f"lint same files {len(paths) / lint_took:.0f} files/s",
                 f"{took / lint_took:.2f}x lint time")],
            [f"fix: {len(files)} corpus files have fixable findings, copied to {len(paths)}; "
             f"{changed} changed, {len(diff.splitlines())} diff lines"])


# -- peers ----------------------------------------------------------------------------------
def mapping_rooted(paths: list[Path]) -> list[Path]:
    """Files whose top level is not a sequence or scalar (check-jsonschema's Azure
    transform aborts the whole run on such a file)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.nodes import MappingNode

    out = []
    for p in paths:
        try:
            node = YAML(typ="safe", pure=False).compose(
                p.read_text(encoding="utf-8", errors="replace"))
        except Exception:
            out.append(p)  # a parse error is reported per file, not fatal
            continue
        if node is None or isinstance(node, MappingNode):
            out.append(p)
    return out


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False, env=ENV)
    return time.perf_counter() - start


def peer_rows(command: list[str], folder: Path, paths: list[Path]) -> tuple[list[Row], list[str]]:
    rows: list[Row] = []
    notes: list[str] = []
    names = [str(p.relative_to(folder)) for p in paths]
    ours = wall([*command, "check", *names], 3, cwd=folder)
    peers: list[tuple[str, str, Callable[[list[str]], list[str]], list[Path]]] = [
        ("yamllint", "yamllint", lambda n: ["-f", "parsable", *n], paths),
        ("check-jsonschema (azure)", "check-jsonschema", lambda n: [*AZURE_SCHEMA, *n],
         mapping_rooted(paths)),
    ]
    for label, exe, argv, files in peers:
        found = shutil.which(exe)
        if found is None:
            notes.append(f"peer {exe} not installed (pip install {exe}); not measured")
            rows.append(Row(f"vs {label}", "-", "not installed", "-", "faster per file"))
            continue
        sub = [str(p.relative_to(folder)) for p in files]
        if len(files) != len(paths):
            notes.append(f"{exe}: {len(paths) - len(files)} files with a non-mapping top level "
                         "left out (its Azure transform aborts the whole run on them)")
        ours_sub = ours if len(files) == len(paths) else wall([*command, "check", *sub], 3,
                                                              cwd=folder)
        theirs = timed([found, *argv(sub)], folder)
        ours_rate, their_rate = len(files) / ours_sub, len(files) / theirs
        rows.append(Row(f"vs {label}, {len(files)} files", f"{ours_rate:.0f} files/s",
                        f"{exe} {their_rate:.1f} files/s", f"{ours_rate / their_rate:.1f}x faster",
                        "faster per file", ours_rate > their_rate))
    notes.append(f"peers: one process per tool over {len(paths)} corpus files, start-up "
                 f"included; layerlint median of 3 runs, peers one run")
    return rows, notes


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ""
    if hasattr(os, "getloadavg"):
        load = ", load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}{load}")


def render(rows: list[Row]) -> str:
    header = ("measure", "layerlint", "baseline", "ratio", "target", "")
    cells = [header, *(r.cells() for r in rows)]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    return "\n".join(" | ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)).rstrip()
                     for cell in cells)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer runs and files")
    args = parser.parse_args()
    runs = 5 if args.quick else 21
    target = 1000 if args.quick else 5000
    fix_target = 200 if args.quick else 1000
    repeat = 1 if args.quick else 2
    lint_rounds = 1 if args.quick else 3
    described = machine()  # load average before the bench adds its own

    sys.path.insert(0, str(ROOT))
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "layerlint")],
                   check=True, env=ENV, stdout=subprocess.DEVNULL)
    # the console script installed next to this interpreter: a version manager's shim on
    # PATH (pyenv's is a bash script) would add its own start-up to ours
    script = Path(sys.executable).parent / ("layerlint.exe" if os.name == "nt" else "layerlint")
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "layerlint"]
    rows: list[Row] = []
    notes: list[str] = []

    with tempfile.TemporaryDirectory(prefix="layerlint-bench-") as tmp:
        work = Path(tmp)
        row, note = startup_row(work / "startup", max(runs, STARTUP_RUNS))
        rows.append(row)
        notes.append(note)
        paths = corpus_copies(target, work / "lint")
        rounds = in_process_rounds(work / "lint", paths, lint_rounds)
        floor, took = (statistics.median(r[i] for r in rounds) for i in (0, 1))
        n = len(paths)
        share = median_ratio(rounds)
        rows.append(Row(f"lint throughput, {n} files, in process",
                        f"{n / took:.0f} files/s", f"C composition {n / floor:.0f} files/s",
                        f"{share:.0%} of floor", ">= 40% of floor", share >= 0.40))
        notes.append(f"lint in process: Engine.run over {n} files against composing the "
                     f"same texts, read beforehand; median of {lint_rounds} alternating "
                     "rounds of the ratio")
        issue = corpus_copies(ISSUE_FILES, work / "issue13")
        cli = cli_rounds(command, work / "issue13", lint_rounds)
        wall_share = median_ratio([(b[0], o[0]) for b, o in cli])
        cpu_share = median_ratio([(b[1], o[1]) for b, o in cli])
        ours_wall = statistics.median(o[0] for _, o in cli)
        base_wall = statistics.median(b[0] for b, _ in cli)
        rows.append(Row(f"lint throughput, {len(issue)} files, check --format json",
                        f"{len(issue) / ours_wall:.0f} files/s",
                        f"compose script {len(issue) / base_wall:.0f} files/s",
                        f"{wall_share:.0%} of floor", ">= 40% of floor", wall_share >= 0.40))
        notes.append(f"lint as issue 13 measured it: the corpus copied {ISSUE_COPIES} times, "
                     "one `layerlint check --format json .` process against one process "
                     "composing the same files with the C parser (reading them, start-up "
                     f"included); median of {lint_rounds} alternating rounds; in CPU time "
                     f"(user + system) {cpu_share:.0%} of floor")
        for part in (audit_rows(work / "audit", target, repeat),
                     fix_rows(work / "fixwork", fix_target)):
            rows += part[0]
            notes += part[1]
        peer_files = sorted((work / "lint" / "copy000").iterdir())
        if args.quick:
            peer_files = peer_files[:50]
        part = peer_rows(command, work / "lint" / "copy000", peer_files)
        rows += part[0]
        notes += part[1]

    table = render(rows)
    print(table)
    for note in notes:
        print(f"note: {note}")
    md = ["# layerlint benchmarks", "", f"Machine: {described}", "",
          f"Command: `python bench/run.py{' --quick' if args.quick else ''}`. Start-up: median "
          f"of {max(runs, STARTUP_RUNS)} runs; lint throughput over {len(paths)} corpus "
          "files.", "",
          "| measure | layerlint | baseline | ratio | target | |", "|---|---|---|---|---|---|"]
    md += ["| " + " | ".join(r.cells()) + " |" for r in rows]
    md += ["", *(f"- {note}" for note in notes)]
    (ROOT / "bench" / "results.md").write_text("\n".join(md) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
