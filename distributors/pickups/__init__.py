"""Pickup policies (提货政策): what an account agreed to pick up per month, with rebate tiers."""
