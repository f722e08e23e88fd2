from tests.plans.conftest import plan_a1  # noqa: F401  (the plan fixture, shared)
