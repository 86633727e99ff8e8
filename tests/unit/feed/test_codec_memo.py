"""The stream renderer's memo of numbers: what it looks up is what it would compute, it
never mixes values that are equal as keys but spelled apart, and it stays bounded."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal

import pytest

from tests.unit.feed.test_codec import TICK
from tradertape.domain.market import Tick
from tradertape.feed import codec
from tradertape.feed.codec import TickMode, stream_json_of_message, stream_payload, tick_to_message


def _compact(tick: Tick, mode: TickMode) -> str:
    return json.dumps(stream_payload(tick, mode), separators=(",", ":"))


@pytest.mark.parametrize("mode", list(TickMode))
def test_a_message_rendered_again_is_rendered_the_same(mode: TickMode):
    message = tick_to_message(TICK)
    first = stream_json_of_message(message, mode)
    assert stream_json_of_message(message, mode) == first == _compact(TICK, mode)


def test_signed_zeros_keep_their_sign_whichever_came_first():
    assert codec._num(0.0) == "0.0"  # noqa: SLF001
    assert codec._num(-0.0) == "-0.0"  # noqa: SLF001 - equal keys: floats are not memoised
    assert codec._num("-0.0") == "-0.0"  # noqa: SLF001
    assert codec._num("0.0") == "0.0"  # noqa: SLF001


def test_the_change_of_a_zero_close_is_zero_and_matches_the_tick():
    assert codec._change("10.5", "0") == "0.0"  # noqa: SLF001
    tick = dataclasses.replace(TICK, prev_close=Decimal("0"))
    assert stream_json_of_message(tick_to_message(tick), TickMode.QUOTE) == _compact(
        tick, TickMode.QUOTE
    )


def test_the_memo_is_bounded_and_still_right_past_its_bound(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(codec, "_MEMO_LIMIT", 8)
    monkeypatch.setattr(codec, "_NUMBERS", {})
    monkeypatch.setattr(codec, "_CHANGES", {})
    for paise in range(100_00, 100_50):
        last = Decimal(paise) / 100
        tick = dataclasses.replace(TICK, last_price=last)
        assert stream_json_of_message(tick_to_message(tick), TickMode.QUOTE) == _compact(
            tick, TickMode.QUOTE
        )
        assert len(codec._NUMBERS) <= 8  # noqa: SLF001
        assert len(codec._CHANGES) <= 8  # noqa: SLF001
