"""Figures read from the rollups: rollup tables and refresh, dashboards, pacing, period reports, health, tiers."""
