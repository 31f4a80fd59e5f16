#!/usr/bin/env python
"""One-off: repair orders stuck in 'new' after the 2025-03 outage."""

import sys

from shopapp.config.loader import load_settings
from shopapp.orders.models import Order
from shopapp.services.old_module import db_session


def main(argv):
    settings = load_settings()
    with db_session(settings["database_url"]) as session:
        for order in session.query(Order).filter_by(status="new"):
            order.status = "payment_failed"
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
