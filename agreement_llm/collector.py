"""Python's garbage collector while batches run: young collections far less often.

At Python's default (a young collection every 700 allocations) a batch of 1,000 articles at
64 in flight set off ~85 young and ~8 middle collections, each walking every request object
made since the one before, though nearly all of them live only as long as their request and
are freed without the collector; those pauses held up answers already read. With young
collections every 50,000 allocations the same batch had one (benchmarks/collector_setting.py
measures the two side by side). Cyclic garbage is still collected, in larger steps.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["YOUNG_THRESHOLD", "fewer_collections"]

YOUNG_THRESHOLD = 50_000
"""Allocations between young collections while a batch runs (Python's default: 700)."""

_lock = threading.Lock()
_running = 0
_saved: int | None = None  # the threshold before the first running batch, to put back


@contextmanager
def fewer_collections() -> Iterator[None]:
    """While any batch runs, young collections wait for `YOUNG_THRESHOLD` allocations.

    The threshold in place before is put back when the last running batch ends, unless it was
    changed meanwhile; a higher threshold, or 0 (collection off), is left as it is.
    """
    global _running, _saved
    with _lock:
        if _running == 0:
            young, middle, old = gc.get_threshold()
            if 0 < young < YOUNG_THRESHOLD:
                _saved = young
                gc.set_threshold(YOUNG_THRESHOLD, middle, old)
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0 and _saved is not None:
                young, middle, old = gc.get_threshold()
                if young == YOUNG_THRESHOLD:  # not set by someone else while the batch ran
                    gc.set_threshold(_saved, middle, old)
                _saved = None
