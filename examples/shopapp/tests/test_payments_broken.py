from shopapp.payments.gateway import charge


def test_charge_offline(order_factory):
    result = charge(order_factory(total=10)
    assert result.ok
