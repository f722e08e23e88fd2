"""``Idempotency-Key`` on money-creating API POSTs: the first answer is stored and replayed to a retry."""
