"""A stand-in for the `time` module of a client module: sleeping moves the clock on and is recorded, so
waits are checked as counts and amounts, and spend no real time, whatever the machine's load."""
from __future__ import annotations


class VirtualClock:
    def __init__(self):
        self.now, self.sleeps = 1000.0, []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += max(0.0, seconds)
