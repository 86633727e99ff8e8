"""``client.options`` and the option helpers against the live app (seed 002's options flow)."""

from __future__ import annotations

import pytest

from tests.workers_kit import set_price
from tradertape.runtime import Runtime
from tradertape_worker import (
    AsyncKiteAlgoWorkerClient,
    BrokerValidationError,
    ClientValidationError,
    ConflictError,
    KiteAlgoWorkerClient,
    KiteAlgoWorkerError,
    NotFoundError,
    OptionExecutionLeg,
    RunConfig,
    SpreadLegSelection,
    SpreadSpec,
    resolve_delta_leg,
    resolve_offset_leg,
    resolve_option_contracts,
    resolve_option_leg,
    resolve_spread,
)


@pytest.fixture(autouse=True)
def nifty(runtime: Runtime) -> None:
    set_price(runtime, "NSE:NIFTY 50", "25010")


def _spread(sdk: KiteAlgoWorkerClient) -> list[OptionExecutionLeg]:
    return resolve_spread(
        sdk.options,
        underlying="NIFTY",
        product="MIS",
        spec=SpreadSpec(
            spread_type="vertical_call_spread",
            expiry="current_week",
            legs=[
                SpreadLegSelection(
                    selection={"option_type": "CE", "moneyness": "ATM"}, transaction_type="BUY"
                ),
                SpreadLegSelection(
                    selection={"option_type": "CE", "moneyness": "+1_strike"},
                    transaction_type="SELL",
                ),
            ],
        ),
    )


def test_market_data_calls(sdk: KiteAlgoWorkerClient) -> None:
    assert sdk.options.ensure_session("NIFTY")["spot_ltp"] == 25010.0
    expiries = sdk.options.list_expiries("NIFTY")["expiries"]
    chain = sdk.options.get_chain("NIFTY", expiry="current_week")
    assert chain["expiry"] == expiries[0]
    assert chain["atm_strike"] == 25000.0
    assert sdk.options.get_mini_chain("NIFTY", window=1)["window"] == 1
    greeks = sdk.options.get_greeks("NIFTY", expiry="nearest")
    assert greeks["greeks_source"] == "synthetic_forward_black76"
    pcr = sdk.options.get_pcr("NIFTY", expiry="nearest")
    assert pcr["value"] == round(pcr["put_oi"] / pcr["call_oi"], 4)
    assert sdk.options.get_max_pain("NIFTY")["expiry"] == expiries[0]
    with pytest.raises(NotFoundError) as missing:
        sdk.options.ensure_session("SENSEX")
    assert missing.value.rejection_reason == "OPTION_SESSION_NOT_FOUND"
    with pytest.raises(BrokerValidationError) as bad:
        sdk.options.get_chain("NIFTY", expiry="someday")
    assert bad.value.rejection_reason == "OPTION_INVALID_EXPIRY_SELECTOR"


def test_resolver_helpers(sdk: KiteAlgoWorkerClient) -> None:
    by_strike = resolve_option_leg(
        sdk.options,
        underlying="NIFTY",
        product="MIS",
        expiry="current_week",
        selection={"option_type": "CE", "strike": 25000},
        transaction_type="BUY",
        lots=2,
    )
    assert (by_strike.strike, by_strike.lot_size, by_strike.quantity) == (25000.0, 65, 130)
    atm = resolve_offset_leg(
        sdk.options,
        underlying="NIFTY",
        product="MIS",
        expiry="current_week",
        option_type="CE",
        offset="ATM",
        transaction_type="buy",
    )
    assert atm.tradingsymbol == by_strike.tradingsymbol
    assert atm.leg_id.startswith("leg_")
    short = resolve_delta_leg(
        sdk.options,
        underlying="NIFTY",
        product="MIS",
        expiry="current_week",
        option_type="CE",
        delta_target=0.30,
        transaction_type="SELL",
    )
    assert short.strike is not None
    assert short.strike > 25000
    contracts = resolve_option_contracts(
        sdk.options,
        underlying="NIFTY",
        expiry=None,
        selections=[{"option_type": "PE", "offset": -1}],
    )
    assert contracts[0]["strike"] == 24950.0
    spread = _spread(sdk)
    assert [(leg.transaction_type, leg.strike) for leg in spread] == [
        ("BUY", 25000.0),
        ("SELL", 25050.0),
    ]
    preview = sdk.options.preview_strategy(
        {
            "underlying": "NIFTY",
            "legs": [{"option_type": "CE", "offset": 0, "transaction_type": "SELL", "lots": 1}],
        }
    )
    assert preview["net_premium"] > 0


@pytest.mark.parametrize(
    ("side", "lots"),
    [pytest.param("HOLD", 1, id="side"), pytest.param("BUY", 0, id="lots")],
)
def test_helpers_check_sides_and_lots(sdk: KiteAlgoWorkerClient, side: str, lots: int) -> None:
    with pytest.raises(ClientValidationError):
        resolve_option_leg(
            sdk.options,
            underlying="NIFTY",
            product="MIS",
            expiry=None,
            selection={"option_type": "CE", "offset": 0},
            transaction_type=side,
            lots=lots,
        )


def test_empty_spread_is_refused_locally(sdk: KiteAlgoWorkerClient) -> None:
    with pytest.raises(ClientValidationError):
        resolve_spread(
            sdk.options,
            underlying="NIFTY",
            product="MIS",
            spec=SpreadSpec(spread_type="x", legs=[]),
        )


def test_seed_option_run_flow(sdk: KiteAlgoWorkerClient) -> None:
    """Seed 002: resolve_spread → client.run → safety_check → create_run → enter → exit."""
    spread = _spread(sdk)
    config = RunConfig(
        template_id="options", account_scope="kite:paper", strategy_run_id="run_sdk_spread"
    )
    with sdk.run(config) as run:
        safety = sdk.safety_check(run.run_id)
        option_run = sdk.options.create_run(
            strategy_name="Bull Call Spread",
            product="MIS",
            legs=[leg.model_dump(exclude_none=True) for leg in spread],
            protection={"stoploss_pct": 2.0},
            strategy_run_id=run.run_id,
            session_nonce=run.session_nonce,
        )
        run_id = option_run["strategy_run_id"]
        assert sdk.options.preview_entry(run_id)["status"] == "entry_previewed"
        assert sdk.options.preview_run_entry(run_id)["orders"][0]["transaction_type"] == "BUY"
        entered = sdk.options.enter(
            run_id, safety_token=safety.safety_token, session_nonce=run.session_nonce
        )
        assert entered["status"] == "entered"
        state = sdk.options.get_protection_state(run_id)
        assert state["triggered"] is False
        assert sdk.options.get_run_state(run_id)["status"] == "entered"
        updated = sdk.options.update_protection(
            run_id,
            {"rules": [{"metric": "open_quantity", "operator": "gte", "threshold": 1}]},
            session_nonce=run.session_nonce,
        )
        assert updated["protection"]["rules"][0]["metric"] == "open_quantity"
        what_if = sdk.options.replay_protection(
            run_id, [{"open_quantity": 0}, {"strategy_mtm_pct": -3}], {"stoploss_pct": 2.0}
        )
        assert [r["triggered"] for r in what_if["results"]] == [False, True]
        own = sdk.options.replay_protection(run_id, [{"open_quantity": 2}])
        assert own["first_triggered_index"] == 0  # the run's rule: open_quantity >= 1
        assert sdk.options.preview_exit(run_id)["orders"][0]["transaction_type"] == "BUY"
        exited = sdk.options.exit(
            run_id, {"idempotency_key": "spread-exit-001"}, session_nonce=run.session_nonce
        )
        assert exited["status"] == "exited"
        replay = sdk.options.enter(run_id, session_nonce=run.session_nonce)
        assert replay["deduped"] is True  # the entry's key: its result, not a second entry
        with pytest.raises(ConflictError):
            sdk.options.exit(run_id, session_nonce=run.session_nonce)


def test_create_run_takes_models_and_refusals_carry_reasons(sdk: KiteAlgoWorkerClient) -> None:
    created = sdk.options.create_run(strategy_name="Solo call", product="MIS", legs=_spread(sdk))
    assert created["strategy_run_id"].startswith("run_")
    with pytest.raises(KiteAlgoWorkerError) as refused:
        sdk.options.exit(created["strategy_run_id"])
    assert refused.value.rejection_reason == "OPTION_RUN_STATUS_CONFLICT"


@pytest.mark.anyio
async def test_async_options(async_sdk: AsyncKiteAlgoWorkerClient) -> None:
    session = await async_sdk.options.ensure_session("NIFTY")
    assert session["underlying"] == "NIFTY"
    resolved = await async_sdk.options.resolve_contracts(
        "NIFTY", {"legs": [{"option_type": "PE", "target_delta": 0.25}]}
    )
    leg = resolved["resolved"][0]
    created = await async_sdk.options.create_run(
        strategy_name="Long put",
        product="NRML",
        legs=[{"tradingsymbol": leg["tradingsymbol"], "transaction_type": "BUY", "lots": 1}],
    )
    entered = await async_sdk.options.enter(created["strategy_run_id"], {"all_or_none": True})
    assert entered["status"] == "entered"
