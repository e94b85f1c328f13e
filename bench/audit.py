"""Benchmark of ``layerlint audit``: ``python bench/audit.py [--repos 1000] [--jobs 1,2]``.

Generates N repositories from the shared corpus (the files of one corpus repository, at
their original paths, per generated repository, cycling through the corpus; a trailing
comment makes each repository's content unique), then audits
them with each ``--jobs`` value and an empty result cache, and once more with a warm cache.
Prints pipeline files per second and the speed-up over the first ``--jobs`` value; each
configuration runs ``--repeat`` times and the fastest run counts (other load on the machine
only ever slows a run down).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
sys.path.insert(0, str(ROOT))


def generate(target: Path, count: int) -> int:
    """``count`` repositories under ``target``; returns the number of files written."""
    groups: dict[str, list[tuple[str, str]]] = {}
    with open(CORPUS / "manifest.tsv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            groups.setdefault(row["repo"], []).append((row["file"], row["path"]))
    names = sorted(groups)
    written = 0
    for i in range(count):
        origin = names[i % len(names)]
        repo = target / f"repo-{i:04d}-{origin.replace('/', '-')}"
        (repo / ".git").mkdir(parents=True)
        for file, path in groups[origin]:
            dest = repo / path
            dest.parent.mkdir(parents=True, exist_ok=True)
            # a comment makes every repository's content unique, so the result cache (keyed
            # by content) cannot serve one generated repository from another's result
            text = (CORPUS / "files" / file).read_bytes()
            dest.write_bytes(text + f"\n# layerlint bench: repository {i}\n".encode())
            written += 1
    return written


def audit(repos: Path, cache: Path, jobs: int, *, warm: bool = False) -> tuple[float, dict]:
    from layerlint.audit.cli import main

    if not warm:
        shutil.rmtree(cache, ignore_errors=True)
    out_json = cache.parent / f"audit-{jobs}.json"
    args = ["--discover", str(repos), "--depth", "1", "--jobs", str(jobs), "--cache-dir",
            str(cache), "--json", str(out_json), "--quiet"]
    start = time.perf_counter()
    main(args, stdout=io.StringIO(), stderr=io.StringIO())
    elapsed = time.perf_counter() - start
    return elapsed, json.loads(out_json.read_text(encoding="utf-8"))["totals"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos", type=int, default=1000)
    parser.add_argument("--jobs", default="1,2", help="comma-separated --jobs values")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each configuration; the fastest counts (default 3)")
    args = parser.parse_args()
    jobs = [int(j) for j in args.jobs.split(",")]
    with tempfile.TemporaryDirectory(prefix="layerlint-bench-audit-") as tmp:
        repos = Path(tmp, "repos")
        t0 = time.perf_counter()
        files = generate(repos, args.repos)
        print(f"generated {args.repos} repositories, {files} YAML files "
              f"in {time.perf_counter() - t0:.1f} s; {os.cpu_count()} cores")
        cache = Path(tmp, "cache")
        base = None
        print(f"{'run':<22} {'seconds':>8} {'pipeline files':>15} {'files/s':>9} "
              f"{'speed-up':>9}")
        for j in jobs:
            elapsed, totals = min((audit(repos, cache, j) for _ in range(args.repeat)),
                                  key=lambda run: run[0])
            base = base or elapsed
            print(f"{f'--jobs {j}, cold cache':<22} {elapsed:>8.2f} {totals['files']:>15} "
                  f"{totals['files'] / elapsed:>9.0f} {base / elapsed:>8.2f}x")
        elapsed, totals = min((audit(repos, cache, jobs[-1], warm=True)
                               for _ in range(args.repeat)), key=lambda run: run[0])
        print(f"{f'--jobs {jobs[-1]}, warm cache':<22} {elapsed:>8.2f} {totals['files']:>15} "
              f"{totals['files'] / elapsed:>9.0f} {(base or elapsed) / elapsed:>8.2f}x")
        print(f"totals: {json.dumps(totals)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
