"""Benchmarks: ``python bench/run.py [--quick]``.

Prints a table and writes ``bench/results.md``. Every number is a ratio against a baseline
measured in the same run, because absolute times vary from machine to machine:

* start-up: wall time of ``layerlint check`` on one typical pipeline (median of N runs)
  against ``python -c "import ruamel.yaml"``;
* lint throughput: files per second over the shared corpus repeated to >= 5,000 files, in
  one process, against bare composition of the same texts with ruamel's C parser (the
  floor: layerlint cannot be faster than parsing).

Timing assertions never go in tests; this script is where speed is measured.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "files"
TYPICAL = ROOT / "examples" / "uncached" / "azure-pipelines.yml"


# As installed: bytecode written (pip compiles at install time), even where the shell
# environment sets PYTHONDONTWRITEBYTECODE.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def wall(cmd: list[str], runs: int) -> float:
    subprocess.run(cmd, cwd=ROOT, capture_output=True, check=False, env=ENV)  # warm caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=False, env=ENV)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def corpus_copies(target: int, dest: Path) -> list[Path]:
    files = sorted(CORPUS.iterdir())
    out: list[Path] = []
    copy = 0
    while len(out) < target:
        folder = dest / f"copy{copy:03d}"
        folder.mkdir()
        for f in files:
            shutil.copy(f, folder / f.name)
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


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    return (f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer runs and files")
    args = parser.parse_args()
    runs = 5 if args.quick else 21
    target = 1000 if args.quick else 5000

    sys.path.insert(0, str(ROOT))
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "layerlint")],
                   check=True, env=ENV, stdout=subprocess.DEVNULL)
    script = shutil.which("layerlint")
    command = [script] if script else [sys.executable, "-m", "layerlint"]
    rows: list[tuple[str, str, str, str]] = []
    base = wall([sys.executable, "-c", "import ruamel.yaml"], runs)
    ours = wall([*command, "check", str(TYPICAL)], runs)
    rows.append(("start-up: check one pipeline", f"{ours * 1000:.0f} ms",
                 f"import ruamel.yaml {base * 1000:.0f} ms", f"{ours / base:.2f}x"))

    with tempfile.TemporaryDirectory() as tmp:
        paths = corpus_copies(target, Path(tmp))
        floor = bare_compose(paths)
        took, n = lint(Path(tmp))
    rows.append(("lint throughput", f"{n / took:.0f} files/s",
                 f"C composition {len(paths) / floor:.0f} files/s",
                 f"{(len(paths) / floor) and (n / took) / (len(paths) / floor):.0%} of floor"))

    header = ("measure", "layerlint", "baseline", "ratio")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True))
             for r in [header, *rows]]
    table = "\n".join(lines)
    print(table)
    md = ["# layerlint benchmarks", "", f"Machine: {machine()}", "",
          f"Runs: start-up median of {runs}; throughput over {target}+ corpus files.", "",
          "| " + " | ".join(header) + " |", "|---|---|---|---|"]
    md += ["| " + " | ".join(r) + " |" for r in rows]
    (ROOT / "bench" / "results.md").write_text("\n".join(md) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
