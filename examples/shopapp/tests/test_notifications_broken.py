from shopapp.services.notifications import order_confirmation


def test_confirmation_mentions_shop(order):
    text = order_confirmation(order)
    assert "Shop in text
