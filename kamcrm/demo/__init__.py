"""Demo and benchmark data (``manage.py seed_demo``, ``seed_bench``), one module per app and capability
(``<app>_<what>.py``): outside the apps, may import every app."""
