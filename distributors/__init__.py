"""The distributors app: customer cards, plans, the progress table, pickup policies and the competitor catalogue."""
