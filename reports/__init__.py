"""The reports app: a sub-package per capability (visits, cycle, analytics, handbook parts, visit entry), its wiring."""
