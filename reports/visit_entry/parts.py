"""What the visit form and the API record with a visit above the visits capability — the market checks and the
needs observed — as the parts ``reports.visits.services.save_visit`` checks before and saves after the visit."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.models import User
from reports.market import services as market_checks
from reports.needs import services as needs
from reports.visits.models import Visit


@dataclass
class MarketChecks:
    """The market-check lines received with a visit; None keeps a saved visit's lines as they are."""

    lines: Sequence[market_checks.MarketLineInput] | None = None

    def check(self, visit: Visit) -> None:
        market_checks.check_lines(self.lines or ())

    def save(self, visit: Visit, *, by: User, created: bool) -> dict[str, list]:
        rows = []
        if self.lines if created else self.lines is not None:  # a new visit without lines: no query
            rows = market_checks.save_lines(visit, self.lines, replace=not created)
        return {"market_checks": rows} if created else {}


@dataclass
class NeedsObserved:
    """The customer needs observed on a visit (the need catalogue); None keeps a saved visit's as they are. Each
    opens on the account, unless it is open already."""

    needs: Iterable | None = None

    def __post_init__(self):
        self.needs = list(self.needs) if self.needs is not None else None

    def check(self, visit: Visit) -> None:
        if self.needs and any(not n.is_active for n in self.needs):
            raise ValidationError({"needs_observed": _("Choose needs from the catalogue.")})

    def save(self, visit: Visit, *, by: User, created: bool) -> dict[str, list]:
        observed = self.needs
        if observed if created else observed is not None:  # a new visit without needs: no query
            visit.needs_observed.set(observed)
            if observed:
                needs.open_needs(distributor=visit.distributor, needs=observed, by=by, visit=visit)
        return {"needs_observed": observed or []} if created else {}
