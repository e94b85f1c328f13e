"""Mutation fuzzing of the corpus: ``python bench/fuzz.py [--count 20000] [--seed 1]``.

Each mutant is a corpus file with one to three mutations stacked (truncation, byte flips,
indentation shifts, tabs, deleted colons, duplicated keys, invalid UTF-8, UTF-16 with a BOM,
NUL bytes, huge lines, deep nesting, alias bombs, shell noise in scripts, ...). It is written
into a temporary repository and run in-process through ``Engine(cwd=tmp).run([...])`` and
``fix_paths(..., write=False)``. Counted:

* tracebacks: any exception escaping either call;
* internal errors: ``result.internal_errors``, or a file status ``error`` whose reason starts
  with "internal error";
* timeouts: a mutant taking more than ``--timeout`` seconds (default 2); a mutant running
  past ``--hard-timeout`` is interrupted and counted as a traceback too.

Every mutant is reproducible from ``(seed, index)``: ``--replay INDEX`` writes it out and
runs it in the foreground, ``--minimise`` shrinks a crashing one. Exit status 1 when any
traceback or internal error was seen. Mutators are plain functions ``(bytes, Random) ->
bytes`` in ``MUTATORS``; ``tests/test_fuzz.py`` runs a small seeded sample of them.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "files"
FALLBACK = ROOT / "examples"
TARGET = "azure-pipelines.yml"

Mutator = Callable[[bytes, random.Random], bytes]


# -- mutators -------------------------------------------------------------------------------
def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


def _pick_line(lines: list[bytes], rng: random.Random, pred: Callable[[bytes], bool]
               ) -> int | None:
    candidates = [i for i, line in enumerate(lines) if pred(line)]
    return rng.choice(candidates) if candidates else None


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[:rng.randrange(len(data) + 1)]


def byte_flip(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return bytes([rng.randrange(256)])
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(out))
        out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def random_bytes(data: bytes, rng: random.Random) -> bytes:
    """Overwrite a short run with arbitrary bytes."""
    i = rng.randrange(len(data) + 1)
    junk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    return data[:i] + junk + data[i + len(junk):]


def indent_shift(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(lines))
        shift = rng.choice([-4, -2, -1, 1, 2, 4])
        if shift > 0:
            lines[i] = b" " * shift + lines[i]
        else:
            stripped = lines[i].lstrip(b" ")
            indent = len(lines[i]) - len(stripped)
            lines[i] = b" " * max(0, indent + shift) + stripped
    return b"".join(lines)


def block_shift(data: bytes, rng: random.Random) -> bytes:
    """Shift a run of lines together (a mis-indented block, as pasted)."""
    lines = _lines(data)
    start = rng.randrange(len(lines))
    end = min(len(lines), start + rng.randint(2, 20))
    shift = rng.choice([-2, 2, 4])
    for i in range(start, end):
        if shift > 0:
            lines[i] = b" " * shift + lines[i]
        elif lines[i].startswith(b"  "):
            lines[i] = lines[i][2:]
    return b"".join(lines)


def tab_insert(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    line = lines[i]
    if rng.random() < 0.5 and line.startswith(b" "):
        lines[i] = b"\t" + line.lstrip(b" ")
    else:
        j = rng.randrange(len(line) + 1)
        lines[i] = line[:j] + b"\t" + line[j:]
    return b"".join(lines)


def delete_colon(data: bytes, rng: random.Random) -> bytes:
    positions = [i for i, b in enumerate(data) if b == ord(":")]
    if not positions:
        return data
    i = rng.choice(positions)
    return data[:i] + data[i + 1:]


def duplicate_key(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    i = _pick_line(lines, rng, lambda s: b":" in s and not s.lstrip().startswith(b"#"))
    if i is None:
        return data
    line = lines[i] if lines[i].endswith(b"\n") else lines[i] + b"\n"
    lines.insert(i + 1, line)
    return b"".join(lines)


def duplicate_block(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    start = rng.randrange(len(lines))
    block = lines[start:start + rng.randint(1, 15)]
    at = rng.randrange(len(lines) + 1)
    if block and not block[-1].endswith(b"\n"):
        block[-1] += b"\n"
    return b"".join(lines[:at] + block + lines[at:])


def swap_lines(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return b"".join(lines)


def delete_lines(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    start = rng.randrange(len(lines))
    del lines[start:start + rng.randint(1, 5)]
    return b"".join(lines)


INVALID_UTF8 = [b"\xff", b"\xfe", b"\xc3\x28", b"\xa0\xa1", b"\xe2\x28\xa1", b"\xf0\x28\x8c\x28",
                b"\xed\xa0\x80", b"\xc0\xaf", b"\x80"]


def invalid_utf8(data: bytes, rng: random.Random) -> bytes:
    i = rng.randrange(len(data) + 1)
    return data[:i] + rng.choice(INVALID_UTF8) + data[i:]


def utf16_bom(data: bytes, rng: random.Random) -> bytes:
    text = data.decode("utf-8", errors="replace")
    if rng.random() < 0.5:
        return b"\xff\xfe" + text.encode("utf-16-le")
    return b"\xfe\xff" + text.encode("utf-16-be")


def utf16_broken(data: bytes, rng: random.Random) -> bytes:
    """UTF-16 with a BOM, then cut at an odd byte or given a lone surrogate."""
    encoded = utf16_bom(data, rng)
    if rng.random() < 0.5 and len(encoded) > 3:
        return encoded[:rng.randrange(3, len(encoded)) | 1]
    i = 2 + 2 * rng.randrange(max(1, (len(encoded) - 2) // 2))
    surrogate = b"\x00\xd8" if encoded.startswith(b"\xff\xfe") else b"\xd8\x00"
    return encoded[:i] + surrogate + encoded[i:]


def utf8_bom(data: bytes, rng: random.Random) -> bytes:
    return b"\xef\xbb\xbf" + data


def nul_bytes(data: bytes, rng: random.Random) -> bytes:
    out = data
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(out) + 1)
        out = out[:i] + b"\x00" + out[i:]
    return out


def control_chars(data: bytes, rng: random.Random) -> bytes:
    i = rng.randrange(len(data) + 1)
    char = rng.choice([b"\r", b"\x0b", b"\x0c", b"\x1b", b"\x7f", b"\xc2\x85", b"\xe2\x80\xa8",
                       b"\xef\xbb\xbf", b"\xef\xbf\xbe"])
    return data[:i] + char + data[i:]


def line_endings(data: bytes, rng: random.Random) -> bytes:
    choice = rng.random()
    if choice < 0.4:
        return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if choice < 0.7:
        return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r")
    lines = _lines(data)
    i = rng.randrange(len(lines))
    lines[i] = lines[i].rstrip(b"\r\n") + b"\r\r\n"
    return b"".join(lines)


def huge_line(data: bytes, rng: random.Random,
              sizes: Sequence[int] = (10_000, 100_000, 400_000)) -> bytes:
    """A script (or plain value) hundreds of kilobytes long on one line."""
    size = rng.choice(sizes)
    unit = rng.choice([b"a", b"docker build . && ", b"\"'", b"$(", b"\\ ", b"--cache-from x ",
                       b"${{ parameters.x }} "])
    body = (unit * (size // len(unit) + 1))[:size]
    line = rng.choice([b"- script: docker build " + body + b"\n", b"x: " + body + b"\n",
                       b"  - bash: " + body + b"\n", b"# " + body + b"\n"])
    lines = _lines(data)
    lines.insert(rng.randrange(len(lines) + 1), line)
    return b"".join(lines)


def deep_nesting(data: bytes, rng: random.Random) -> bytes:
    depth = rng.choice([100, 499, 501, 2_000, 20_000])
    kind = rng.random()
    if kind < 0.4:
        nest = b"x: " + b"[" * depth + b"]" * depth + b"\n"
    elif kind < 0.7:
        nest = b"x: " + b"{a: " * depth + b"}" * depth + b"\n"
    else:
        depth = min(depth, 2_000)  # block nesting grows quadratically in bytes
        nest = b"x:\n" + b"".join(b" " * (i + 1) + b"- \n" for i in range(depth)).replace(
            b"- \n", b"-\n")
    if rng.random() < 0.5:
        nest = nest[:rng.randrange(len(nest) + 1)]  # unbalanced
    return data + (b"\n" if data and not data.endswith(b"\n") else b"") + nest


def alias_bomb(data: bytes, rng: random.Random) -> bytes:
    levels = rng.randint(3, 12)
    lines = [b'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n']
    for i in range(1, levels):
        refs = b",".join(b"*a%d" % (i - 1) for _ in range(9))
        lines.append(b"a%d: &a%d [%s]\n" % (i, i, refs))
    bomb = b"".join(lines)
    if rng.random() < 0.5:
        bomb += b"steps: *a%d\n" % (levels - 1)
    return bomb + data if rng.random() < 0.5 else data + b"\n" + bomb


TOKENS = [b"&a ", b"*a", b"*undefined", b"!!python/object:os.system ", b"!custom ", b"? ",
          b"{", b"}", b"[", b"]", b"|", b">-", b"|+2", b"---\n", b"...\n", b"%YAML 1.1\n",
          b"%TAG ! tag:x:\n", b"<<: *a\n", b"${{ if eq(1, 1) }}:", b"${{ else }}:",
          b"${{ each x in parameters.y }}:", b"$(var)", b"$[ variables.x ]", b"\"", b"'",
          b"\\", b"#", b"- ", b": ", b",", b"@", b"`", b"%", b"!", b"\xe2\x80\x8b"]


def yaml_tokens(data: bytes, rng: random.Random) -> bytes:
    out = data
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(out) + 1)
        out = out[:i] + rng.choice(TOKENS) + out[i:]
    return out


SHELL = [b"\"", b"'", b"$(", b"`", b"\\", b"\\\n", b"<<EOF", b"<<-'X'\n", b"|", b"&&", b"||",
         b";", b"#", b"${", b"}", b"(", b")", b" --cache-from ", b" --cache-to type=local,dest=",
         b" --cache-from=type=registry,ref=", b" docker buildx build ", b" docker compose build ",
         b" -f ", b" --builder ", b" --load", b" --push", b" docker build -t x .", b" & ",
         b" $env:X ", b"@'\n", b"'@", b" `\n", b" -- ", b" --output=type=docker",
         b" --cache-to type=gha,mode=max", b"\t", b" > /dev/null 2>&1", b" $(Build.BuildId)"]


def shell_noise(data: bytes, rng: random.Random) -> bytes:
    """Shell fragments spliced into script lines (or docker commands appended to them):
    unbalanced quotes, heredocs, continuations, cache flags with missing values."""
    lines = _lines(data)
    i = _pick_line(lines, rng, lambda s: any(k in s for k in (
        b"script", b"bash", b"docker", b"pwsh", b"powershell", b"inline", b"buildx")))
    if i is None:
        i = rng.randrange(len(lines))
        lines.insert(i, b"- script: docker build .\n")
    line = lines[i]
    for _ in range(rng.randint(1, 4)):
        j = rng.randrange(len(line.rstrip(b"\r\n")) + 1)
        line = line[:j] + rng.choice(SHELL) + line[j:]
    lines[i] = line
    return b"".join(lines)


SNIPPETS = [
    b"- task: Cache@2\n  inputs:\n    key: 'docker | \"$(Agent.OS)\"'\n    path: $(P)/c\n",
    b"- task: Docker@2\n  inputs:\n    command: build\n    arguments: --cache-from x\n",
    b"- template: nope.yml\n", b"- template: ../../../../etc/passwd\n",
    b"- template: x.yml@other\n", b"- template: azure-pipelines.yml\n",
    b"- ${{ if true }}:\n  - script: docker build .\n",
    b"- script: |\n    docker buildx build --cache-from type=local,src=/c \\\n",
    b"jobs:\n- deployment: d\n  strategy:\n    runOnce:\n      deploy:\n        steps:\n",
    b"resources:\n  repositories:\n  - repository: other\n    name: x/y\n",
    b"parameters:\n- name: p\n  type: stepList\n  default: []\n",
    b"- ${{ parameters.p }}\n", b"- ${{ each s in parameters.p }}:\n  - ${{ s }}\n",
    b"variables:\n- template: v.yml\n", b"steps: null\n", b"stages: []\n", b"jobs: 3\n",
]


def splice_snippet(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    snippet = rng.choice(SNIPPETS)
    i = rng.randrange(len(lines) + 1)
    if rng.random() < 0.5 and i < len(lines):
        line = lines[i]
        indent = line[:len(line) - len(line.lstrip(b" "))]
        snippet = b"".join(indent + s for s in snippet.splitlines(keepends=True))
    return b"".join(lines[:i]) + snippet + b"".join(lines[i:])


MUTATORS: dict[str, Mutator] = {
    "truncate": truncate, "byte_flip": byte_flip, "random_bytes": random_bytes,
    "indent_shift": indent_shift, "block_shift": block_shift, "tab_insert": tab_insert,
    "delete_colon": delete_colon, "duplicate_key": duplicate_key,
    "duplicate_block": duplicate_block, "swap_lines": swap_lines, "delete_lines": delete_lines,
    "invalid_utf8": invalid_utf8, "utf16_bom": utf16_bom, "utf16_broken": utf16_broken,
    "utf8_bom": utf8_bom, "nul_bytes": nul_bytes, "control_chars": control_chars,
    "line_endings": line_endings, "huge_line": huge_line, "deep_nesting": deep_nesting,
    "alias_bomb": alias_bomb, "yaml_tokens": yaml_tokens, "shell_noise": shell_noise,
    "splice_snippet": splice_snippet,
}
# whole-file re-encodings make later byte-level mutators meaningless: applied last only
LAST_ONLY = {"utf16_bom", "utf16_broken"}
EXPENSIVE = {"huge_line", "deep_nesting", "alias_bomb"}


def sources() -> list[tuple[str, bytes]]:
    """(name, bytes) of the files mutants start from: the shared corpus, else examples/."""
    folder = CORPUS if CORPUS.is_dir() else FALLBACK
    files = sorted(p for p in folder.rglob("*") if p.suffix in (".yml", ".yaml"))
    return [(str(p.relative_to(folder)), p.read_bytes()) for p in files]


def mutant(seed: int, index: int, files: Sequence[tuple[str, bytes]],
           mutators: dict[str, Mutator] | None = None) -> tuple[bytes, str, list[str]]:
    """Mutant ``index`` of run ``seed``: (bytes, source name, mutator names). ``mutators``
    replaces ``MUTATORS`` (same names), e.g. with smaller huge lines for the test suite."""
    mutators = mutators or MUTATORS
    rng = random.Random(f"{seed}:{index}")
    name, data = files[rng.randrange(len(files))]
    names: list[str] = []
    count = rng.choices([1, 2, 3], weights=[5, 3, 2])[0]
    for n in range(count):
        pool = [m for m in mutators if n == count - 1 or m not in LAST_ONLY]
        if any(m in EXPENSIVE for m in names):
            pool = [m for m in pool if m not in EXPENSIVE]
        chosen = rng.choice(pool)
        names.append(chosen)
        data = mutators[chosen](data, rng)
    return data, name, names


# -- running --------------------------------------------------------------------------------
@dataclass
class Outcome:
    index: int
    source: str
    mutators: list[str]
    seconds: float
    tracebacks: list[str] = field(default_factory=list)
    internal_errors: list[str] = field(default_factory=list)


class HardTimeout(BaseException):  # a BaseException: ``except Exception`` misses it
    pass


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise HardTimeout


def check_bytes(data: bytes, folder: Path, hard_timeout: float = 0) -> tuple[
        list[str], list[str]]:
    """Run ``data`` as ``folder/azure-pipelines.yml`` through the engine and the fixer:
    (tracebacks, internal errors)."""
    from layerlint.engine import Engine
    from layerlint.fixer import fix_paths

    (folder / ".git").mkdir(parents=True, exist_ok=True)
    (folder / TARGET).write_bytes(data)
    tracebacks: list[str] = []
    internal: list[str] = []
    if hard_timeout:
        signal.setitimer(signal.ITIMER_REAL, hard_timeout)
    try:
        for step in ("check", "fix"):
            try:
                if step == "check":
                    result = Engine(cwd=folder).run([TARGET])
                    errors = getattr(result, "internal_errors", None)
                    if errors is None:  # older engines: only the file status tells
                        errors = [f"{f.path}: {f.reason}" for f in result.files
                                  if f.status == "error"
                                  and (f.reason or "").startswith("internal error")]
                    internal += list(errors)
                else:
                    outcomes = fix_paths(Engine(cwd=folder), ["."], write=False)
                    internal += [f"{o.display}: {o.error}" for o in outcomes
                                 if (o.error or "").startswith("internal error")]
            except HardTimeout:
                tracebacks.append(f"{step}: still running after {hard_timeout} s")
                break
            except BaseException as exc:  # counting everything that escapes
                if isinstance(exc, KeyboardInterrupt):
                    raise
                tracebacks.append(f"{step}: " + "".join(
                    traceback.format_exception(type(exc), exc, exc.__traceback__)))
    finally:
        if hard_timeout:
            signal.setitimer(signal.ITIMER_REAL, 0)
    return tracebacks, internal


_FILES: list[tuple[str, bytes]] = []
_DIR: Path | None = None


def _init(seed: int) -> None:
    global _FILES, _DIR
    _FILES = sources()
    _DIR = Path(tempfile.mkdtemp(prefix="layerlint-fuzz-"))
    signal.signal(signal.SIGALRM, _alarm)
    sys.setrecursionlimit(sys.getrecursionlimit())  # as the CLI runs


def _run_one(args: tuple[int, int, float]) -> Outcome:
    seed, index, hard_timeout = args
    assert _DIR is not None
    data, source, names = mutant(seed, index, _FILES)
    folder = _DIR / f"m{index % 4}"
    shutil.rmtree(folder, ignore_errors=True)
    start = time.perf_counter()
    tracebacks, internal = check_bytes(data, folder, hard_timeout)
    return Outcome(index, source, names, time.perf_counter() - start, tracebacks, internal)


def run(seed: int, count: int, jobs: int, hard_timeout: float, start: int = 0
        ) -> Iterator[Outcome]:
    tasks = [(seed, i, hard_timeout) for i in range(start, start + count)]
    if jobs <= 1:
        _init(seed)
        yield from map(_run_one, tasks)
        return
    ctx = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    with ctx.Pool(jobs, initializer=_init, initargs=(seed,), maxtasksperchild=2000) as pool:
        yield from pool.imap_unordered(_run_one, tasks, chunksize=20)


# -- minimising -----------------------------------------------------------------------------
def _signature(tracebacks: list[str]) -> str:
    """Step, exception type and innermost layerlint frame of the first traceback: what
    tells two crashes apart."""
    if not tracebacks:
        return ""
    lines = [line for line in tracebacks[0].strip().splitlines() if line.strip()]
    frames = [line.strip() for line in lines
              if line.lstrip().startswith("File ") and "/layerlint/" in line]
    where = frames[-1].split("/layerlint/", 1)[1] if frames else "?"
    return f"{tracebacks[0].split(':', 1)[0]}: {lines[-1].split(':', 1)[0]} at {where}"


def minimise(data: bytes, folder: Path, signature: str) -> bytes:
    """Shrink ``data`` while the first traceback keeps ``signature`` (ddmin on lines, then
    on bytes)."""
    def fails(candidate: bytes) -> bool:
        shutil.rmtree(folder, ignore_errors=True)
        return _signature(check_bytes(candidate, folder, 10)[0]) == signature

    for split in (lambda d: d.splitlines(keepends=True), lambda d: [bytes([b]) for b in d]):
        parts = split(data)
        chunk = max(1, len(parts) // 2)
        while chunk >= 1:
            i = 0
            changed = False
            while i < len(parts):
                candidate = parts[:i] + parts[i + chunk:]
                if candidate and fails(b"".join(candidate)):
                    parts = candidate
                    changed = True
                else:
                    i += chunk
            if not changed:
                if chunk == 1:
                    break
                chunk //= 2
        data = b"".join(parts)
        if len(data) > 4096:
            break  # byte-level ddmin on a large input would take too long
    return data


def _clip(text: str, width: int = 300) -> str:
    """``text`` with every line cut to ``width`` characters (mutants hold huge lines)."""
    return "\n".join(line if len(line) <= width else f"{line[:width]}... ({len(line)} chars)"
                     for line in text.splitlines())


# -- main -----------------------------------------------------------------------------------
_PEAK = """
import resource, sys
from layerlint.cli import main
code = main(sys.argv[1:])
try:  # VmHWM: this process's own peak (ru_maxrss carries the forked parent's over exec)
    with open("/proc/self/status") as fh:
        peak = next(int(x.split()[1]) for x in fh if x.startswith("VmHWM:"))
except (OSError, StopIteration):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print("PEAK", peak, file=sys.stderr)
raise SystemExit(code)
"""


def many_builds(n: int, fmt: str = "text") -> tuple[float, float]:
    """The hostile case of issue 13: a one-line script of ``n`` builds, checked in a
    subprocess: (seconds, peak MB)."""
    import subprocess

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, TARGET)
        path.write_text("steps:\n- script: " + "docker build -t x . && " * n + "true\n")
        (Path(tmp) / ".git").mkdir()
        began = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", _PEAK, "check", "--format", fmt,
                               "--max-file-size", "100000000", TARGET], cwd=tmp,
                              capture_output=True, text=True, check=False,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        seconds = time.perf_counter() - began
    if "PEAK " not in done.stderr:
        raise SystemExit(f"the {n}-build check failed (status {done.returncode}): "
                         f"{done.stderr[-2000:]}")
    peak = int(done.stderr.rsplit("PEAK ", 1)[1].split()[0]) / 1024
    return seconds, peak


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--start", type=int, default=0, help="first mutant index")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--timeout", type=float, default=2.0,
                        help="seconds after which a mutant counts as a timeout")
    parser.add_argument("--hard-timeout", type=float, default=60.0,
                        help="seconds after which a mutant is interrupted")
    parser.add_argument("--save", type=Path, default=Path(tempfile.gettempdir(), "layerlint-fuzz"),
                        help="where failing and slow mutants are written")
    parser.add_argument("--replay", type=int, metavar="INDEX",
                        help="write mutant INDEX to --save and run it in the foreground")
    parser.add_argument("--minimise", action="store_true", help="with --replay: shrink it")
    parser.add_argument("--many-builds", type=int, default=20_000, metavar="N",
                        help="also check one script of N builds for time and peak memory "
                             "(0: skip)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    if args.many_builds and args.replay is None:
        for fmt in ("text", "json"):
            seconds, peak = many_builds(args.many_builds, fmt)
            print(f"{args.many_builds} builds in one script ({fmt}): {seconds:.1f} s, "
                  f"peak {peak:.0f} MB ({peak * 1024 / args.many_builds:.1f} KB a build)")

    if args.replay is not None:
        data, source, names = mutant(args.seed, args.replay, sources())
        args.save.mkdir(parents=True, exist_ok=True)
        out = args.save / f"mutant-{args.seed}-{args.replay}.yml"
        out.write_bytes(data)
        print(f"mutant {args.replay}: {source} + {', '.join(names)} -> {out}")
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            tracebacks, internal = check_bytes(data, Path(tmp, "m"))
            print(f"{time.perf_counter() - start:.2f} s")
            for text in tracebacks + internal:
                print(_clip(text))
            if args.minimise and tracebacks:
                small = minimise(data, Path(tmp, "min"), _signature(tracebacks))
                (args.save / f"mutant-{args.seed}-{args.replay}.min.yml").write_bytes(small)
                print(f"minimised to {len(small)} bytes: {small!r}")
        return 1 if tracebacks or internal else 0

    totals: Counter[str] = Counter()
    by_mutator: Counter[str] = Counter()
    failures: list[Outcome] = []
    slow: list[Outcome] = []
    slowest: Outcome | None = None
    began = time.perf_counter()
    for done, outcome in enumerate(run(args.seed, args.count, args.jobs, args.hard_timeout,
                                       args.start), 1):
        totals["mutants"] += 1
        totals["tracebacks"] += bool(outcome.tracebacks)
        totals["internal errors"] += bool(outcome.internal_errors)
        if outcome.seconds > args.timeout:
            totals["timeouts"] += 1
            slow.append(outcome)
        if slowest is None or outcome.seconds > slowest.seconds:
            slowest = outcome
        if outcome.tracebacks or outcome.internal_errors:
            failures.append(outcome)
            by_mutator.update(set(outcome.mutators))
        if done % 1000 == 0:
            print(f"  {done}/{args.count} mutants, {len(failures)} failing, "
                  f"{time.perf_counter() - began:.0f} s", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - began

    if failures or slow:
        args.save.mkdir(parents=True, exist_ok=True)
        files = sources()
        for outcome in failures + slow:
            data, _, _ = mutant(args.seed, outcome.index, files)
            (args.save / f"mutant-{args.seed}-{outcome.index}.yml").write_bytes(data)
    seen: set[str] = set()
    signatures: Counter[str] = Counter()
    for outcome in failures:
        what = outcome.tracebacks[0] if outcome.tracebacks else outcome.internal_errors[0]
        sig = _signature(outcome.tracebacks) or what.splitlines()[0][:200]
        signatures[sig] += 1
        if sig in seen:
            continue
        seen.add(sig)
        print(f"--- {sig}: mutant {outcome.index} ({outcome.source} + "
              f"{', '.join(outcome.mutators)}); "
              f"replay: python bench/fuzz.py --seed {args.seed} --replay {outcome.index} "
              "--minimise")
        print(_clip(what.rstrip()))
    for outcome in slow[:20]:
        print(f"slow: mutant {outcome.index} ({outcome.source} + "
              f"{', '.join(outcome.mutators)}) took {outcome.seconds:.2f} s")
    print(f"seed {args.seed}, {totals['mutants']} mutants in {elapsed:.0f} s "
          f"({args.jobs} workers): {totals['tracebacks']} tracebacks, "
          f"{totals['internal errors']} internal errors, {totals['timeouts']} timeouts "
          f"(> {args.timeout:g} s)")
    if slowest is not None:
        print(f"slowest: mutant {slowest.index} ({', '.join(slowest.mutators)}) "
              f"{slowest.seconds:.2f} s")
    for sig, n in signatures.most_common():
        print(f"  {n:5d} x {sig}")
    if by_mutator:
        print("failing mutants by mutator: " + ", ".join(
            f"{name} {n}" for name, n in by_mutator.most_common()))
    if failures or slow:
        print(f"mutants written to {args.save}")
    return 1 if totals["tracebacks"] or totals["internal errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
