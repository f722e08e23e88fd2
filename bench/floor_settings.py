"""Settings of the benchmark's floor endpoints (``bench/floor_urls.py``): the local settings, with those URLs."""

from kamcrm.settings.local import *  # noqa: F403

ROOT_URLCONF = "bench.floor_urls"
