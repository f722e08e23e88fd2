"""The rollup tables' writes: full rebuilds, per-account refreshes and the signals that queue them."""
