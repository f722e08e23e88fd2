"""Pick-ups: shipments against confirmed orders and what is left to ship, with pages and API."""
