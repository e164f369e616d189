"""GB/T 2260 codes nest by prefix; the region rule answers the same for every service."""

from __future__ import annotations

import pytest

from dudao_shared.auth import Principal
from dudao_shared.errors import Forbidden
from dudao_shared.regions import (
    contains,
    is_child,
    level_of,
    parent_of,
    region_covers,
    require_region,
)


def test_levels_and_parents() -> None:
    assert [level_of(c) for c in ("360000", "360100", "360112")] == ["province", "city", "county"]
    assert [parent_of(c) for c in ("360000", "360100", "360112")] == [None, "360000", "360100"]
    assert is_child("360100", "360112") and not is_child("360000", "360112")


def test_containment() -> None:
    assert contains("360000", "360112") and contains("360100", "360112")
    assert not contains("360100", "360200") and not contains("360112", "360100")
    assert region_covers(None, "440000") and not region_covers("360100", None)


def _planner(region: str) -> Principal:
    return Principal(sub="user:p", role="planner", region_code=region)


def test_region_rule() -> None:
    require_region(_planner("360100"), "360112")
    with pytest.raises(Forbidden) as err:
        require_region(_planner("360100"), "360200")
    assert err.value.code == "region_forbidden"
    with pytest.raises(Forbidden):
        require_region(Principal(sub="user:l", role="leader", region_code="360100"), "360112")
