"""Sales contests: standings from the dashboards' figures, frozen results, pages and API."""
