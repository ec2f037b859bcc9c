"""The rep's legs on Telnyx, kept in one process's memory or shared through the store.

Two stores on one real database (a SQLite file, the real PostgreSQL) stand for two processes:
the carrier's webhooks reach one, the rep's drop is asked of the other (and, through the
Telnyx adapter, in test_carrier_rest_telnyx.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from telephony_helpers import migrated_store

from afterbeep.store import create_engine_for
from afterbeep.telephony.legs import MemoryRepLegs, RepLegs, StoreRepLegs


@pytest.fixture(scope="module", params=["memory", "sqlite", "postgresql"])
def legs_pair(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RepLegs, RepLegs]]:
    """Two views of the rep's legs: one memory twice, or two stores on one database."""
    if request.param == "memory":
        memory = MemoryRepLegs()
        yield memory, memory
        return
    with migrated_store(request.param, tmp_path_factory.mktemp("legs"), "rep_legs") as url:
        yield StoreRepLegs(url), StoreRepLegs(url)


def test_a_rep_leg_seen_by_one_is_known_to_the_other(legs_pair):
    one, two = legs_pair
    assert two.rep_leg("A1") is None
    one.saw("A1", "B1")
    assert two.rep_leg("A1") == "B1"
    one.saw("A1", "B2")  # a second transfer of the same call: the newer leg
    assert two.rep_leg("A1") == "B2"


def test_a_call_taken_back_by_one_is_not_hung_up_when_its_rep_leaves_on_the_other(legs_pair):
    one, two = legs_pair
    one.saw("A2", "B2")
    one.take_back("A2")
    assert not two.rep_hung_up("A2")  # taken back: the prospect stays on for the drop
    assert one.rep_leg("A2") is None
    # Handed over again later and the rep simply hangs up: the parked prospect must go.
    two.saw("A2", "B3")
    assert one.rep_hung_up("A2")


def test_a_prospect_who_hung_up_first_is_not_hung_up_again(legs_pair):
    one, two = legs_pair
    one.saw("A3", "B3")
    two.ended("A3")
    assert one.rep_leg("A3") is None
    assert not one.rep_hung_up("A3")


def test_store_rows_are_per_carrier(database_url):
    telnyx, other = StoreRepLegs(database_url), StoreRepLegs(database_url, carrier="other")
    telnyx.saw("A4", "B4")
    assert other.rep_leg("A4") is None
    assert telnyx.rep_leg("A4") == "B4"


def test_an_unreachable_store_is_logged_and_the_call_treated_as_unknown(tmp_path, caplog):
    # A database without the rep_legs table (never migrated) stands for one that is down.
    legs = StoreRepLegs(engine=create_engine_for(f"sqlite:///{tmp_path}/empty.db"))
    legs.saw("A5", "B5")
    legs.take_back("A5")
    legs.ended("A5")
    assert legs.rep_leg("A5") is None
    assert legs.rep_hung_up("A5")  # nothing says it is taken back: hang the prospect up
    assert "rep legs unreachable" in caplog.text
