"""Demo and benchmark data generators (seed_demo, seed_bench): outside the apps, may import every app."""
