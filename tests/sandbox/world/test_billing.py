"""The arithmetic of OQ-11 and OQ-16 in `world/billing.py`, which the store and the handlers apply."""

from __future__ import annotations

from ileti.sandbox.store.records import NewBlock, OrderRecord
from ileti.sandbox.world import billing


def _block(parts: int, deliverable: list[bool]) -> NewBlock:
    numbers = [f"+90530123456{i}" for i in range(len(deliverable))]
    return NewBlock("x", "gsm7", parts, numbers, deliverable)


def test_an_order_reserves_the_parts_of_its_deliverable_messages_and_apitest_nothing() -> None:
    blocks = [_block(2, [True, False, True]), _block(1, [True])]
    assert billing.reserved_parts(blocks, apitest=False) == 2 * 2 + 1
    assert billing.reserved_parts(blocks, apitest=True) == 0


def test_credits_are_whole_parts_and_tl_is_parts_times_the_price() -> None:
    assert billing.reserve("sms", 5, 0.05) == 5
    assert billing.reserve("tl", 5, 0.05) == 5 * 0.05
    assert billing.recorded_unit("sms", 0.05, 5) == 1.0
    assert billing.recorded_unit("tl", 0.05, 5) == 0.05
    assert billing.recorded_unit("tl", 0.05, 0) == 0.0  # APITEST: nothing to refund, a price of 0


def test_undelivered_parts_come_back_at_the_recorded_price() -> None:
    assert billing.refund("sms", 3, 1.0) == 3
    assert isinstance(billing.refund("sms", 3, 1.0), int)
    assert billing.refund("tl", 3, 0.05) == 3 * 0.05


def test_the_price_of_an_order_is_its_delivered_parts() -> None:
    record = OrderRecord(1, "k", "S", 0.0, 0.0, False, 3, 0, 2, 1, 4, "tl", 0.05)
    assert record.price == billing.order_price(4, 0.05) == 0.2


def test_a_tl_balance_is_shown_as_the_messages_it_buys_capped() -> None:
    assert billing.sms_balance("sms", 7, 100.0, 0.05) == 7
    assert billing.sms_balance("tl", 7, 1.0, 0.05) == 20  # 1 TL / 0.05 (not 19 through float error)
    assert billing.sms_balance("tl", 7, 1e300, 0.05) == billing.MAX_SMS_BALANCE
    assert billing.sms_balance("tl", 7, 1.0, 0.0) == 7  # a free sandbox shows the credits
