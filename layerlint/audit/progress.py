"""Progress on standard error: a bar redrawn in place on a terminal, plain lines at an
interval otherwise (CI logs). Repositories done, pipeline files checked, the rate."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from layerlint.audit.runner import Outcome


class Progress:
    def __init__(self, total: int, stream: TextIO, *, tty: bool | None = None,
                 interval: float = 10.0, width: int = 100,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.total = total
        self.stream = stream
        self.tty = stream.isatty() if tty is None else tty
        self.interval = interval if not self.tty else 0.1
        self.width = width
        self.clock = clock
        self.start = clock()
        self.last = self.start
        self.done = 0
        self.files = 0
        self.cached = 0
        self.failed = 0

    def line(self, name: str = "") -> str:
        elapsed = max(self.clock() - self.start, 1e-9)
        rate = self.files / elapsed
        counts = (f"{self.done}/{self.total} repositories, {self.files} files, "
                  f"{rate:.0f} files/s")
        extras = [f"{self.cached} cached"] if self.cached else []
        extras += [f"{self.failed} failed"] if self.failed else []
        if extras:
            counts += f" ({', '.join(extras)})"
        if not self.tty:
            return f"layerlint audit: {counts}, {elapsed:.0f} s"
        bar_width = 24
        filled = bar_width * self.done // max(self.total, 1)
        bar = "█" * filled + "░" * (bar_width - filled)
        text = f"{bar} {counts}"
        room = self.width - len(text) - 3
        if name and room > 8:
            text += "  " + (name if len(name) <= room else name[:room - 1] + "…")
        return text[: self.width - 1]

    def update(self, outcome: Outcome) -> None:
        self.done += 1
        self.files += outcome.checked
        self.cached += outcome.from_cache
        self.failed += outcome.report.error is not None
        now = self.clock()
        if now - self.last < self.interval and self.done < self.total:
            return
        self.last = now
        if self.tty:
            self.stream.write("\r\x1b[K" + self.line(outcome.report.name))
        elif self.done < self.total:
            self.stream.write(self.line() + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\r\x1b[K" + self.line() + "\n")
        else:
            self.stream.write(self.line() + "\n")
        self.stream.flush()
