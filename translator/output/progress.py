"""Progress on stderr for long work: the phase and a count, only when stderr is a terminal.

Nothing is shown during the first `delay` seconds (2 by default), so quick commands print nothing; after that one
line `netpolx: deciding probes 3/10` is rewritten in place at most ten times a second, and erased when the work
ends. When stderr is not a terminal (a pipe, a file, CI) nothing is ever written. NETPOLX_PROGRESS=0 turns it off,
NETPOLX_PROGRESS=1 turns it on even without a terminal; NETPOLX_PROGRESS_DELAY sets the delay in seconds.

Commands share one reporter: `progress()` returns it, `progress().phase("loading policies")` starts a phase,
`.advance()` counts, `.done()` erases the line. Library code may call these freely: `advance()` costs an addition
(and a clock read on a terminal, about 0.1 microseconds), so loops call it once per item (a policy, a document); a
backend never imports this module, the pipeline hands it `advance` as a plain callback instead. The CLI starts each
command with `start()` (a reporter on stderr, shown as described); used as a library (`netpolx.api`), the reporter is
silent unless NETPOLX_PROGRESS=1, since no command erases its line.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO, TypeVar

T = TypeVar("T")

DELAY = 2.0
"""Seconds of work before anything is shown."""
INTERVAL = 0.1
"""Seconds between two redraws."""


class Progress:
    """One line of progress on a terminal stream (see the module docstring)."""

    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None, delay: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            setting = os.environ.get("NETPOLX_PROGRESS", "")
            enabled = setting == "1" or (setting != "0" and _isatty(self.stream))
        self.enabled = enabled
        self.clock = clock
        self.start = clock()
        if delay is None:
            try:
                delay = float(os.environ.get("NETPOLX_PROGRESS_DELAY", DELAY))
            except ValueError:
                delay = DELAY
        self.delay = delay
        self.name = ""
        self.count = 0
        self.total: int | None = None
        self.shown = False
        self._next = self.start + delay

    def phase(self, name: str, total: int | None = None) -> None:
        """Start a phase (`deciding probes`), optionally with the count it will reach."""
        self.name, self.count, self.total = name, 0, total
        self._draw(force=self.shown)

    def advance(self, step: int = 1) -> None:
        """Count `step` more items of the current phase."""
        self.count += step
        if self.enabled and self.clock() >= self._next:
            self._draw()

    def track(self, items: Iterable[T], name: str, total: int | None = None) -> Iterator[T]:
        """`items`, counted as the phase `name`."""
        self.phase(name, total)
        for item in items:
            yield item
            self.advance()

    def done(self) -> None:
        """Erase the line (the work is over)."""
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False
        self.name = ""

    def line(self) -> str:
        """The text shown now."""
        count = f"{self.count:,}" + (f"/{self.total:,}" if self.total is not None else "")
        return f"netpolx: {self.name} {count}" if self.count or self.total is not None else f"netpolx: {self.name}"

    def _draw(self, force: bool = False) -> None:
        if not self.enabled or not self.name:
            return
        now = self.clock()
        if not force and now < self._next:
            return
        self._next = max(now, self.start + self.delay) + INTERVAL
        if now < self.start + self.delay:
            return
        self.stream.write("\r\x1b[K" + self.line())
        self.stream.flush()
        self.shown = True


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


_current: Progress | None = None


def progress() -> Progress:
    """The reporter of the running command (see `start()`); outside a command, a silent one (unless
    NETPOLX_PROGRESS=1)."""
    global _current
    if _current is None:
        _current = Progress(enabled=os.environ.get("NETPOLX_PROGRESS", "") == "1")
    return _current


def start() -> Progress:
    """A fresh reporter on stderr for a command starting now (the CLI calls this first; `done()` at the end)."""
    global _current
    _current = Progress()
    return _current


def reset(reporter: Progress | None = None) -> Progress | None:
    """Replace the shared reporter (None: a fresh one on next use); returns the old one. The CLI calls this at the
    start of every command, tests to capture the output."""
    global _current
    old, _current = _current, reporter
    return old
