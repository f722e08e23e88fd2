"""Demo data for ``manage.py seed_demo``, one module per app and capability (``<app>_<what>.py``)."""
