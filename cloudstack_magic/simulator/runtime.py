"""Settings and mutable runtime of one simulator: the cloud, its jobs, counters, fault dice.

The aiohttp app is frozen once started, so it holds one :class:`Runtime` under an ``AppKey`` and
everything that changes (counters, a re-seeded cloud, fault settings) changes inside it.
"""

from __future__ import annotations

import gc
import random
import secrets
import time
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from .classroom import add_class_accounts
from .dispatch import Handler
from .jobs import JobEngine
from .seed import seed
from .state import Cloud

__all__ = ["DEMO_API_KEY", "DEMO_SECRET_KEY", "Runtime", "Settings"]

#: The documented demo key pair the simulator accepts by default (not a secret: it is public).
DEMO_API_KEY = "cloudstack-magic-demo-api-key-0123456789abcdefghijklmnopqrstuvwxyz"
DEMO_SECRET_KEY = "cloudstack-magic-demo-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
#: Settings no repr, log or ``/_simulator/stats`` answer shows.
_PRIVATE = ("api_key", "secret_key", "admin_token")
#: Settings that may change while running (``POST /_simulator/config``).
TUNABLE = ("latency_ms", "job_seconds", "fail_rate", "drop_rate", "throttle", "page_size_limit")


@dataclass
class Settings:
    vms: int = 200
    seed: int = 42
    latency_ms: float = 0
    job_seconds: float = 2
    page_size_limit: int = 500
    fail_rate: float = 0
    drop_rate: float = 0
    throttle: int = 0
    host: str = "127.0.0.1"
    port: int = 0
    api_key: str = DEMO_API_KEY
    secret_key: str = DEMO_SECRET_KEY
    #: What POST admin requests must carry when the simulator listens beyond loopback
    #: (``X-Simulator-Token`` header or ``token`` query); empty: a fresh random one.
    admin_token: str = ""
    #: user accounts for a class (``student01``...), each with its own key pair and resources
    accounts: int = 0

    def __post_init__(self) -> None:
        if not self.admin_token:
            self.admin_token = secrets.token_urlsafe(18)
        problems = []
        if self.vms < 0:
            problems.append(f"vms must be >= 0, got {self.vms}")
        if not 0 <= self.accounts <= 500:
            problems.append(f"accounts must be between 0 and 500, got {self.accounts}")
        for name in ("fail_rate", "drop_rate"):
            if not 0 <= getattr(self, name) <= 1:
                problems.append(f"{name} is a probability between 0 and 1, got {getattr(self, name)}")
        for name in ("latency_ms", "job_seconds", "throttle"):
            if getattr(self, name) < 0:
                problems.append(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.page_size_limit == 0 or self.page_size_limit < -1:
            problems.append(f"page_size_limit must be positive or -1 (unlimited), got {self.page_size_limit}")
        if not self.api_key or not self.secret_key:
            problems.append("api_key and secret_key must not be empty")
        if problems:
            raise ValueError("; ".join(problems))

    def __repr__(self) -> str:  # the secret key never shows
        shown = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in _PRIVATE}
        return "Settings(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"

    def public(self) -> dict[str, Any]:
        data = asdict(self)
        for name in _PRIVATE:
            data.pop(name)
        return data


class Runtime:
    """Everything a running simulator changes."""

    def __init__(self, settings: Settings, commands: Mapping[str, Handler]) -> None:
        self.settings = settings
        self.commands_table = commands
        self.reseed()
        self.reset_counters()

    def reseed(self) -> None:
        """Build the seeded inventory from scratch (jobs and their timers go too)."""
        old = getattr(self, "jobs", None)
        if old is not None:
            old.cancel_timers()
        self.cloud = Cloud(seed=self.settings.seed)
        was_enabled = gc.isenabled()
        gc.disable()  # seeding makes ~10 dicts per VM; collecting midway only costs time
        try:
            seed(self.cloud, self.settings.vms)
        finally:
            # The inventory lives as long as the simulator: park it outside the collector's
            # generations, or the next full collection walks millions of rows (~1 s at 100k VMs).
            gc.freeze()
            if was_enabled:
                gc.enable()
        admin = self.cloud.caller.userid
        self.cloud.keys[self.settings.api_key] = (self.settings.secret_key, admin)
        if self.settings.accounts:
            add_class_accounts(self.cloud, self.settings.accounts)
        self.jobs = JobEngine(self.cloud, self.settings.job_seconds)
        self.dice = random.Random(self.settings.seed + 1)

    def reset_counters(self) -> None:
        self.commands: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.methods: Counter[str] = Counter()
        self.requests = self.throttled = self.dropped = self.failed = self.cancelled = 0
        self.in_flight = self.max_in_flight = 0
        self.recent: deque[dict[str, Any]] = deque(maxlen=200)
        self.window: deque[float] = deque()
        self.started = time.time()

    def configure(self, **changes: Any) -> None:
        unknown = sorted(set(changes) - set(TUNABLE))
        if unknown:
            raise ValueError(f"cannot change {', '.join(unknown)} while running; tunable: {', '.join(TUNABLE)}")
        merged = {**asdict(self.settings), **changes}
        self.settings = Settings(**merged)
        self.jobs.job_seconds = self.settings.job_seconds

    def stats(self) -> dict[str, Any]:
        """A JSON-ready snapshot; ``commands`` maps command name → API requests received."""
        return {
            "commands": dict(self.commands),
            "requests": self.requests,
            "methods": dict(self.methods),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "throttled": self.throttled,
            "dropped": self.dropped,
            "failed": self.failed,
            "cancelled": self.cancelled,
            "in_flight": self.in_flight,
            "max_in_flight": self.max_in_flight,
            "jobs": self.jobs.counts(),
            "inventory": {name: len(table) for name, table in self.cloud.tables.items()},
            "recent": list(self.recent),
            "settings": self.settings.public(),
            "simulated_commands": sorted(self.commands_table),
            "uptime": round(time.time() - self.started, 3),
        }
