"""A fair queue: claims go by arrival over all residents (oldest first), one item of a resident
at a time and in that resident's order, so a resident who sends a lot never starves the others.

Real SQL on both backends; a worker of 4 slots is simulated in rounds (each claimed item takes
one round), so the result does not depend on timing.
"""

from __future__ import annotations

from bot.conversations import queue, store
from bot.conversations.models import Inbound
from bot.conversations.tables import InboxItem
from bot.storage.db import open_database

SLOTS = 4
FLOOD = 60  # messages of one resident, all before anybody else's
OTHERS, EACH = 30, 2


async def accept(factory, n: int, sender: str) -> int:  # type: ignore[no-untyped-def]
    inbound = Inbound(
        channel="telegram", dedupe_key=str(n), sender=sender, address=sender, text=f"bericht {n}"
    )
    item_id = await store.accept_inbound(factory, inbound, f"hash-{sender}")
    assert item_id is not None
    return item_id


async def test_many_residents_none_starves_and_each_keeps_its_order(db_url: str) -> None:
    async with open_database(db_url) as (_e, factory):
        n = 0
        arrival: dict[int, str] = {}
        for _ in range(FLOOD):
            n += 1
            arrival[await accept(factory, n, "flood")] = "flood"
        for _ in range(EACH):
            for r in range(OTHERS):
                n += 1
                arrival[await accept(factory, n, f"r{r}")] = f"r{r}"
        claimed_in: dict[str, list[tuple[int, int]]] = {}  # resident -> [(round, item id)]
        rounds = 0
        while len([i for lst in claimed_in.values() for i in lst]) < len(arrival):
            rounds += 1
            claims = await queue.claim_inbox(factory, "w", limit=SLOTS, lease_seconds=60)
            assert claims, "nothing claimable while work is pending"
            assert len({c.key for c in claims}) == len(claims)  # one item per resident
            for claim in claims:
                claimed_in.setdefault(arrival[claim.id], []).append((rounds, claim.id))
            async with factory() as s:  # each claimed item is done within its round
                for claim in claims:
                    item = await queue.held(s, InboxItem, claim.id, "w")
                    assert item is not None
                    item.status = "done"
                    item.lease_owner = item.lease_until = None
                await s.commit()

    for resident, claims in claimed_in.items():  # per-resident order kept
        ids = [item_id for _, item_id in claims]
        assert ids == sorted(ids), resident
    # the flood takes one slot per round; the others share the rest, oldest first
    others_done = max(r for name, c in claimed_in.items() if name != "flood" for r, _ in c)
    fair_share = -(-OTHERS * EACH // (SLOTS - 1))  # rounds if the other three slots were theirs
    assert others_done <= fair_share + 1
    first_rounds = [c[0][0] for name, c in claimed_in.items() if name != "flood"]
    assert max(first_rounds) <= -(-OTHERS // (SLOTS - 1)) + 1  # everyone's first reply early
    assert claimed_in["flood"][0][0] == 1  # the oldest message first of all
    assert rounds == FLOOD  # and the flood is not starved either: one message every round
