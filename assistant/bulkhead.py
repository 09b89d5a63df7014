"""Keeping a slow or absent Chroma from taking the whole service down with it.

Every call to Chroma goes through a ``Bulkhead``: at most ``size`` calls are in flight at once,
and a request waits at most ``wait_s`` for a free slot, else it fails at once. Each HTTP call
to a Chroma server also has a timeout (see ``VectorIndex``). Whatever goes wrong on the way
(refused connection, timeout, a collection gone) becomes ``IndexUnavailableError``: every face
then says "try again" (HTTP 503) instead of hanging or showing a stack trace, and the next
request simply tries again, so the service recovers without a restart.

>>> bulkhead = Bulkhead(size=8, wait_s=1.0)
>>> with bulkhead.slot():          # doctest: +SKIP
...     collection.query(...)
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

from assistant.errors import IndexUnavailableError

# what the person reads (no server names, paths or addresses: those go to ``detail``)
UNREACHABLE = ("The assistant cannot search the page right now: its search index is not "
               "reachable. Please try again in a minute.")
SLOW = ("The assistant is not answering right now: its search index is too slow to respond. "
        "Please try again in a minute.")
MISSING = ("The assistant's search index is being rebuilt or is missing. Please try again in "
           "a minute.")


class Bulkhead:
    """A bounded number of concurrent calls, and a short wait for a free slot."""

    def __init__(self, size: int, wait_s: float) -> None:
        if size < 1:
            raise ValueError("a bulkhead needs at least one slot")
        if wait_s < 0:
            raise ValueError("the wait for a slot cannot be negative")
        self.size = size
        self.wait_s = wait_s
        self._slots = threading.BoundedSemaphore(size)

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one slot for the duration of the block.

        Raises:
            IndexUnavailableError: no slot became free within ``wait_s``.
        """
        if not self._slots.acquire(timeout=self.wait_s):
            raise IndexUnavailableError(SLOW, f"all {self.size} Chroma call slots stayed busy "
                                        f"for {self.wait_s:g} s")
        try:
            yield
        finally:
            self._slots.release()


class Outages:
    """When the index last failed, so readiness can look again at once."""

    def __init__(self) -> None:
        self.last_at = 0.0  # time.monotonic() of the last failure, 0 when none

    def record(self) -> None:
        self.last_at = time.monotonic()


def as_outage(exc: BaseException, where: str) -> IndexUnavailableError | None:
    """The IndexUnavailableError that ``exc`` (raised by a Chroma call) amounts to, or ``None``
    when it is not an outage (a bug, which should surface as one)."""
    import httpx

    if isinstance(exc, IndexUnavailableError):
        return exc
    if isinstance(exc, httpx.TimeoutException):
        return IndexUnavailableError(SLOW, f"Chroma at {where} timed out "
                                     f"({type(exc).__name__})")
    if isinstance(exc, httpx.HTTPError):
        return IndexUnavailableError(UNREACHABLE, f"Chroma at {where} unreachable: "
                                     f"{type(exc).__name__}: {exc}")
    try:
        from chromadb.errors import ChromaError, NotFoundError
    except ImportError:  # pragma: no cover - chromadb is a dependency
        return None
    if isinstance(exc, NotFoundError):
        return IndexUnavailableError(MISSING, f"Chroma at {where}: {exc}")
    if isinstance(exc, ChromaError):
        return IndexUnavailableError(UNREACHABLE, f"Chroma at {where} failed: "
                                     f"{type(exc).__name__}: {exc}")
    return None
