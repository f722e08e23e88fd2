"""Plans: quarterly and monthly distributor plans with rep splits, account plans, objectives and action items."""
