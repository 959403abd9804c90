"""Report: what a run found, and the facts the rollups must add up to."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field


class _Enough(Exception):
    """The violation limit is reached."""


@dataclass
class Report:
    found: list[tuple[int, str]] = field(default_factory=list)  # (rule, violation)
    limit: int | None = None
    stopped: bool = False
    orders: int = 0
    lines: int = 0
    cases: int = 0
    # currency -> (kind, measure) -> what the rollups must add up to
    facts: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))

    @property
    def violations(self) -> list[str]:
        return [line for _, line in self.found]

    @property
    def rules(self) -> list[int]:
        return sorted({rule for rule, _ in self.found})

    def expect(self, rule: int, table: str, ident, what: str, expected, found) -> None:
        if expected != found:
            self.fail(rule, table, ident, f"{what}: expected {expected}, found {found}")

    def expect_each(self, table: str, ident, checks: tuple, expected: tuple, found: tuple) -> None:
        """checks: ((rule, what), …) for the values of `expected` and `found`; a single tuple
        comparison when all agree, as they should: this runs for every line and order."""
        if expected != found:
            for (rule, what), want, have in zip(checks, expected, found):
                self.expect(rule, table, ident, what, want, have)

    def fail(self, rule: int, table: str, ident, message: str) -> None:
        self.found.append((rule, f"rule {rule}: {table} {ident}: {message}"))
        if self.limit is not None and len(self.found) >= self.limit:
            self.stopped = True
            raise _Enough
