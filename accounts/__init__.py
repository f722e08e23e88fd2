"""Users, roles, regions and teams, notifications, saved filters and API tokens; the one scope rule (``scope``)."""
