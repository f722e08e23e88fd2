"""Settings from the environment: ``base``, and ``local``, ``test``, ``production`` on top of it."""
