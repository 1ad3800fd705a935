"""Progress of a long run: a bar on a terminal, plain lines in a Slurm log, and where the
time went at the end."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

__all__ = ["Progress"]

T = TypeVar("T")


class Progress:
    """Report steps and items of a run.

    Parameters
    ----------
    stream : text stream, optional
        Default ``sys.stderr``. A terminal gets a redrawn bar; anything else (a Slurm log,
        a pipe) gets one plain line per step and a line every ~10 % of a long step.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> p = Progress(out)
    >>> with p.step("counting"):
    ...     total = sum(p.track(range(3), "questions"))
    >>> "counting" in out.getvalue() and "counting" in p.seconds
    True
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.seconds: dict[str, float] = {}
        self._current: str | None = None
        self._started = time.perf_counter()

    def line(self, text: str) -> None:
        """Print one line."""
        print(text, file=self.stream, flush=True)

    def step(self, name: str) -> _Step:
        """Context manager timing one named step."""
        return _Step(self, name)

    def track(self, items: Iterable[T], what: str) -> Iterator[T]:
        """Iterate over ``items`` showing progress through them."""
        items = list(items)
        total = len(items)
        every = max(1, total // 10)
        for i, item in enumerate(items, start=1):
            yield item
            if self.tty:
                done = int(30 * i / max(total, 1))
                print(f"\r  [{'#' * done}{'.' * (30 - done)}] {i}/{total} {what}", end="",
                      file=self.stream, flush=True)
                if i == total:
                    print(file=self.stream, flush=True)
            elif i % every == 0 or i == total:
                self.line(f"  {i}/{total} {what}")

    def summary(self) -> str:
        """Total time and where it went."""
        total = time.perf_counter() - self._started
        parts = ", ".join(f"{k} {v:.1f}s" for k, v in self.seconds.items())
        return f"total {total:.1f}s ({parts})"


class _Step:
    def __init__(self, progress: Progress, name: str) -> None:
        self.progress, self.name = progress, name

    def __enter__(self) -> _Step:
        self.start = time.perf_counter()
        self.progress.line(f"[{time.strftime('%H:%M:%S')}] {self.name}…")
        return self

    def __exit__(self, *exc: object) -> None:
        spent = time.perf_counter() - self.start
        self.progress.seconds[self.name] = self.progress.seconds.get(self.name, 0.0) + spent
