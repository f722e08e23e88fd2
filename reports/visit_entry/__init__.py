"""The visit form and /api/visits/ writes: a visit with the market checks and needs observed it records."""
