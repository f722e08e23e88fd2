"""Account health: the card's traffic light and the health table, with their pages and API."""
