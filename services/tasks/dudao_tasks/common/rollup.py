"""How a task's state follows from the states it is made of (the roll-up rule, written once).

A task's state is the least advanced of its parts, in the order of ``PROGRESS``:
- its lead assignments (a task with two leads is as far as the slower one), and
- the copies a cascade delivered to each region (a task given to 各设区市政府 is done when
  every city's copy is done: accepted only when all are accepted, completed when all are at
  least completed, returned when one is returned and none is less advanced). One exception
  for delivered tasks: once any region has begun, the task is in progress, not "not started"
  because some city has not moved yet (the share done says how far it is).
Its light is the worst of its own and of its copies' lights (``plans.light_rules.worst``), and
its share done is the copies completed or accepted over all copies.
"""

from __future__ import annotations

from collections.abc import Iterable

# Least advanced first.
PROGRESS = ("not_started", "in_progress", "returned", "completed", "accepted")
DONE = frozenset({"completed", "accepted"})


def rolled_up(statuses: Iterable[str], *, delivered: bool = False) -> str:
    """The least advanced of ``statuses``; ``not_started`` when there are none. With
    ``delivered`` (the parts include regions' copies), begun work counts as in progress."""
    values = list(statuses)
    least = min(values, key=PROGRESS.index, default="not_started")
    if delivered and least == "not_started" and any(v != "not_started" for v in values):
        return "in_progress"
    return least


def share_done(statuses: Iterable[str]) -> float | None:
    """Completed-or-accepted parts over all parts; None when there are none."""
    values = list(statuses)
    if not values:
        return None
    return sum(1 for s in values if s in DONE) / len(values)
