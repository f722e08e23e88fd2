from decimal import Decimal
from types import SimpleNamespace

import pytest

from distributors.plans.services import SplitInput
from tests import factories as f
from tests.plans import factories as pf


@pytest.fixture
def plan_a1(org, cards):
    """A draft 2027-Q1 plan of team A1's KAM for rep_a1's distributor Acme Trading, split 60/40 to the team's reps."""
    splits = [SplitInput(rep=org.rep_a1, share_pct=Decimal("60")), SplitInput(rep=org.rep_a1b, share_pct=Decimal("40"))]
    return pf.make_plan(by=org.kam_a1, distributor=cards.a1, splits=splits)


@pytest.fixture
def plans(org, cards, plan_a1):
    """plan_a1 (draft), an approved plan of team A2, an approved plan of team B1, and contacts to confirm with."""
    return SimpleNamespace(
        a1=plan_a1,
        a2=pf.approved_plan(kam=org.kam_a2, manager=org.rm_a, distributor=cards.a2),
        b1=pf.approved_plan(kam=org.kam_b1, manager=org.rm_b, distributor=cards.b1),
        contact_a1=f.ContactFactory(distributor=cards.a1, name="王建国"),
    )
