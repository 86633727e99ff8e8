

def test_partial_reports_book_each_new_part_at_the_price_that_makes_kites_average(
    client: TestClient, runtime: Runtime, fake: Fake
):
    connect(client, runtime, fake)
    fake.price("NSE:INFY", 1500)
    client.post("/api/orders", json=BUY)
    [order] = ours(runtime)
    assert order.broker_order_id is not None
    first = BrokerReport(order.broker_order_id, "OPEN", 4, Decimal("1490"))
    # 4 @ 1490 then 6 @ 1489: Kite reports the cumulative 10 at an average of 1489.40.
    second = BrokerReport(order.broker_order_id, "COMPLETE", 10, Decimal("1489.4"))

    with runtime.db.session() as db:
        assert runtime.live.apply_reports(db, "kite", [first, first, second, first, second]) == 5

    trades, _cash = booked(runtime)
    assert [(t[3], t[4]) for t in trades] == [(4, Decimal("1490")), (6, Decimal("1489"))]
    [order] = ours(runtime)
    assert (order.status, order.filled_quantity, order.average_price) == (
        "COMPLETE",
        10,
        Decimal("1489.40"),
    )
