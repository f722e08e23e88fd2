"""Every model of the app, imported from its capability so Django registers them all at start-up.

Other apps may import the models from here; the app's own modules import them from their capability's
``models`` (``distributors.cards.models``, ``distributors.plans.models`` ...), never from this module.
"""

from .cards.models import Brand, Complaint, Contact, Distributor, DistributorBrand, Product, ProductCategory, Suggestion
from .competitors.models import Competitor, CompetitorBrand, CompetitorProduct
from .pickups.models import PickupPolicy, PickupTier
from .plans.models import (
    AccountPlan,
    ActionItem,
    MonthlyPlan,
    Objective,
    PlanStep,
    QuarterlyPlan,
    RepSplit,
    SeasonalProfile,
)
from .progress.models import Progress, ProgressMove, ProgressStage

__all__ = [
    "AccountPlan",
    "ActionItem",
    "Brand",
    "Competitor",
    "CompetitorBrand",
    "CompetitorProduct",
    "Complaint",
    "Contact",
    "Distributor",
    "DistributorBrand",
    "MonthlyPlan",
    "Objective",
    "PickupPolicy",
    "PickupTier",
    "PlanStep",
    "Product",
    "ProductCategory",
    "Progress",
    "ProgressMove",
    "ProgressStage",
    "QuarterlyPlan",
    "RepSplit",
    "SeasonalProfile",
    "Suggestion",
]
