"""Locks by key for the threads of one process (no dependency: the runtime holds one from the start)."""
from __future__ import annotations

import threading
from contextlib import ExitStack
from typing import Iterable


class KeyedLocks:
    """One lock per content hash, for the process: two nodes sending the same pixels upload them once."""

    def __init__(self):
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def holding(self, keys: Iterable[str]) -> ExitStack:
        stack = ExitStack()
        for key in sorted(set(keys)):  # one order for every thread: no deadlock
            with self._guard:
                lock = self._locks.setdefault(key, threading.Lock())
            stack.enter_context(lock)
        return stack
