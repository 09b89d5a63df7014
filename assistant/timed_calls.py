"""Calls to an outside store that give up after a deadline, so a frozen database costs a
request a few seconds and a 503, never a hung worker.

A call runs in a daemon thread; the caller waits at most ``timeout_s`` for it. At most
``max_calls`` calls are in flight at once: a frozen store holds no more threads than that, and
a further call fails at once instead of piling up. A call abandoned at its deadline finishes
(or fails) in the background and then frees its slot.

>>> calls = TimedCalls(timeout_s=3.0, max_calls=4, on_timeout=TimeoutError)
>>> calls.run(lambda: 42)
42
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class TimedCalls:
    """Run callables with a deadline and a bound on how many are in flight."""

    def __init__(self, timeout_s: float, max_calls: int,
                 on_timeout: Callable[[str], BaseException]) -> None:
        """``on_timeout(detail)`` makes the exception raised when a call misses its deadline
        or finds every slot taken."""
        if timeout_s <= 0:
            raise ValueError("the deadline must be positive")
        if max_calls < 1:
            raise ValueError("at least one call must be allowed in flight")
        self.timeout_s = timeout_s
        self.max_calls = max_calls
        self._on_timeout = on_timeout
        self._slots = threading.BoundedSemaphore(max_calls)

    def run(self, call: Callable[[], T]) -> T:
        """``call()``'s result, or its exception; ``on_timeout(...)`` past the deadline."""
        if not self._slots.acquire(timeout=self.timeout_s):
            raise self._on_timeout(f"all {self.max_calls} call slots stayed busy for "
                                   f"{self.timeout_s:g} s")
        outcome: dict[str, Any] = {}
        done = threading.Event()

        def target() -> None:
            try:
                outcome["value"] = call()
            except BaseException as exc:  # noqa: BLE001 - handed to the caller as it is
                outcome["error"] = exc
            finally:
                self._slots.release()
                done.set()

        threading.Thread(target=target, name="timed-call", daemon=True).start()
        if not done.wait(self.timeout_s):
            raise self._on_timeout(f"no reply within {self.timeout_s:g} s")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]  # type: ignore[no-any-return]
