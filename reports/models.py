"""Every model of the app, imported here so that Django registers them at start-up (app label ``reports``).

The models live in the capability sub-packages; app code imports them from there (``reports.visits.models`` ...),
this module only gathers them (and keeps ``reports.models.X`` working for the tests and the settings).
"""

from reports.analytics.models import (  # noqa: F401
    FLOW_FIELDS,
    MONEY_FLOWS,
    CollectionAhead,
    DistributorDay,
    DistributorMonth,
    OutletChange,
    PendingRefresh,
    PeriodReport,
    PeriodReportQuerySet,
    RollupFlows,
    RollupState,
    TargetMonth,
)
from reports.contests.models import Contest, ContestResult  # noqa: F401
from reports.cycle.models import (  # noqa: F401
    Comment,
    MonthlyWorkPlan,
    Review,
    ScheduleEntry,
    ServiceStrategy,
    WeeklySchedule,
)
from reports.market.models import MarketCheck  # noqa: F401
from reports.needs.models import AccountIndicator, AccountNeed, Indicator, Need  # noqa: F401
from reports.pickups.models import Shipment  # noqa: F401
from reports.scorecards.models import RatingCriterion, Scorecard, ScorecardRating  # noqa: F401
from reports.training.models import TrainingSession  # noqa: F401
from reports.visits.models import (  # noqa: F401
    QUANTITY,
    SALES_STATUSES,
    DailyReport,
    LateEntry,
    Order,
    OrderLine,
    OrderQuerySet,
    OrderStatus,
    Purpose,
    RepScopedQuerySet,
    Visit,
    VisitKind,
    VisitPhoto,
    VisitStock,
)
