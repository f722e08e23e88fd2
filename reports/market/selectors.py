"""The monthly market report of a region (市场价格, 社会库存, 竞品): from the market checks of the visits the caller
may see, on accounts of the region.

- Price ranges: per product (ours and the competitors'), the lowest, median and highest shelf price seen in the
  month, and how many checks gave a price.
- Stock trend: per product, the region's stock over the last months — for each account the last count of the
  month, summed over the accounts counted (the same "last count of the month" rule as the card's stock per brand).
- Competitor presence: per competitor, the share of the month's visits with a market check where one of its
  products was seen (visits seen ÷ visits checked), month by month.

Rejected late entries are left out (the KAM ruled the visit out). Scope: the region must be one the caller sees
(``regions_for``), and only visits in the caller's scope count, so a rep reads their own checks of the region and
the regional manager the whole region's.
"""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Region, User
from kamcrm.money import CENT
from kamcrm.validation import check_dates
from reports.market.models import MarketCheck
from reports.visits.models import LateEntry, Visit

MONTHS = 6  # the stock trend and the presence trend: this month and the five before it
RATE = Decimal("0.0001")


def regions_for(user: User):
    """The regions whose market report the user may open: every region for the admin and company-wide finance,
    else their own."""
    return Region.objects.visible_to(user).order_by("name")


def region_or_404(user: User, pk) -> Region:
    region = regions_for(user).filter(pk=pk).first() if str(pk).isdigit() else None
    if region is None:
        raise Http404
    return region


def default_region(user: User) -> Region | None:
    regions = regions_for(user)
    return regions.filter(pk=user.home_region_id).first() or regions.first()


def parse_month(value: str | None) -> date:
    """``YYYY-MM`` (or a day of the month) to the month's first day; this month when empty. Raises
    ValidationError({"month": …}) for anything else."""
    if not value:
        return timezone.localdate().replace(day=1)
    text = str(value).strip()
    try:
        parts = [int(p) for p in text.split("-")]
        day = date(parts[0], parts[1], 1) if len(parts) in (2, 3) else None
    except ValueError:
        day = None
    if day is None:
        raise ValidationError({"month": [_("Enter a month as YYYY-MM.")]})
    try:
        check_dates(month=day)
    except ValidationError as exc:
        raise ValidationError({"month": exc.messages}) from exc
    return day


def month_shift(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def month_end(month: date) -> date:
    return month_shift(month, 1) - timedelta(days=1)


@dataclass
class Item:
    key: str  # p:<id> our product, b:<id> our brand, c:<id> a competitor's product
    label: str
    competitor: str = ""  # empty for ours

    @property
    def ours(self) -> bool:
        return not self.competitor


@dataclass
class PriceRange:
    item: Item
    checks: int
    low: Decimal
    median: Decimal
    high: Decimal


@dataclass
class StockTrend:
    item: Item
    stock: list[int | None]  # per month of ``MarketReport.months``; None: not counted that month
    accounts: list[int]  # accounts counted per month

    @property
    def cells(self) -> list[tuple[int | None, int]]:
        return list(zip(self.stock, self.accounts, strict=True))


@dataclass
class Presence:
    competitor: str
    seen: list[int]  # visits where seen, per month
    share: list[Decimal | None]  # seen ÷ visits checked, per month (None when no visit was checked)
    accounts: int  # accounts where seen in the report's month

    @property
    def current_share(self) -> Decimal | None:
        return self.share[-1]


@dataclass
class MarketReport:
    region: Region
    month: date
    months: list[date]
    visits_checked: list[int]  # visits with a market check, per month
    prices: list[PriceRange] = field(default_factory=list)
    stock: list[StockTrend] = field(default_factory=list)
    presence: list[Presence] = field(default_factory=list)

    @property
    def checks_this_month(self) -> int:
        return self.visits_checked[-1]


def _item(row: dict) -> Item:
    if row["product_id"]:
        return Item(f"p:{row['product_id']}", row["product__name"])
    if row["brand_id"]:
        return Item(f"b:{row['brand_id']}", row["brand__name"])
    return Item(
        f"c:{row['competitor_product_id']}",
        f"{row['competitor_product__brand__name']} {row['competitor_product__name']}",
        row["competitor_product__brand__competitor__name"],
    )


def market_report(*, for_user: User, region: Region, month: date, months: int = MONTHS) -> MarketReport:
    """The region's market report for ``month`` (its first day) as ``for_user`` may see it. One query."""
    periods = [month_shift(month, -i) for i in range(months - 1, -1, -1)]
    visits = (
        Visit.objects.visible_to(for_user)
        .filter(
            distributor__owner__team__region=region,
            visit_date__gte=periods[0],
            visit_date__lte=month_end(month),
        )
        .exclude(late_entry=LateEntry.REJECTED)
    )
    rows = (
        MarketCheck.objects.filter(visit__in=visits)
        .values(
            "visit_id",
            "visit__visit_date",
            "visit__started_at",
            "visit__distributor_id",
            "product_id",
            "product__name",
            "brand_id",
            "brand__name",
            "competitor_product_id",
            "competitor_product__name",
            "competitor_product__brand__name",
            "competitor_product__brand__competitor__name",
            "price",
            "stock",
        )
        .order_by("visit__started_at", "visit_id", "pk")
    )
    index_of = {m: i for i, m in enumerate(periods)}
    checked: list[set] = [set() for _m in periods]
    prices: dict[str, list[Decimal]] = defaultdict(list)
    last_count: dict[tuple[str, int, int], int] = {}  # (item, account, month index) -> the month's last count
    seen: dict[str, list[set]] = defaultdict(lambda: [set() for _m in periods])
    seen_accounts: dict[str, set] = defaultdict(set)
    items: dict[str, Item] = {}
    for row in rows.iterator(chunk_size=5000):
        i = index_of[row["visit__visit_date"].replace(day=1)]
        item = _item(row)
        items.setdefault(item.key, item)
        checked[i].add(row["visit_id"])
        if i == len(periods) - 1 and row["price"] is not None:
            prices[item.key].append(row["price"])
        if row["stock"] is not None:
            last_count[(item.key, row["visit__distributor_id"], i)] = row["stock"]  # rows run in time order
        if item.competitor:
            seen[item.competitor][i].add(row["visit_id"])
            if i == len(periods) - 1:
                seen_accounts[item.competitor].add(row["visit__distributor_id"])

    def order(item: Item):
        return (not item.ours, item.competitor, item.label)

    report = MarketReport(region=region, month=month, months=periods, visits_checked=[len(v) for v in checked])
    for key, values in sorted(prices.items(), key=lambda kv: order(items[kv[0]])):
        values.sort()
        median = Decimal(statistics.median(values)).quantize(CENT, rounding=ROUND_HALF_UP)
        report.prices.append(PriceRange(items[key], len(values), values[0], median, values[-1]))
    totals: dict[str, list[int | None]] = defaultdict(lambda: [None] * len(periods))
    counted: dict[str, list[int]] = defaultdict(lambda: [0] * len(periods))
    for (key, _account, i), units in last_count.items():
        totals[key][i] = (totals[key][i] or 0) + units
        counted[key][i] += 1
    for key in sorted(totals, key=lambda k: order(items[k])):
        report.stock.append(StockTrend(items[key], totals[key], counted[key]))
    for competitor in sorted(seen):
        visits_seen = [len(v) for v in seen[competitor]]
        share = [
            (Decimal(n) / Decimal(total)).quantize(RATE, rounding=ROUND_HALF_UP) if total else None
            for n, total in zip(visits_seen, report.visits_checked, strict=True)
        ]
        report.presence.append(Presence(competitor, visits_seen, share, len(seen_accounts[competitor])))
    report.presence.sort(key=lambda p: (-(p.current_share or 0), p.competitor))
    return report


def month_label(month: date) -> str:
    return f"{month:%Y-%m}"


def chart_data(report: MarketReport, *, top: int = 8) -> dict:
    """What the page's charts draw (``json_script``): price ranges, the stock trend of the products with the most
    stock this month, and competitor presence. Money as text with two places, shares as numbers 0–1."""
    stock = sorted(report.stock, key=lambda s: -(s.stock[-1] or 0))[:top]
    return {
        "months": [month_label(m) for m in report.months],
        "prices": {
            "labels": [p.item.label for p in report.prices],
            "low": [f"{p.low:.2f}" for p in report.prices],
            "median": [f"{p.median:.2f}" for p in report.prices],
            "high": [f"{p.high:.2f}" for p in report.prices],
            "ours": [p.item.ours for p in report.prices],
        },
        "stock": [{"name": s.item.label, "values": s.stock} for s in stock],
        "presence": [
            {"name": p.competitor, "values": [None if v is None else float(v) for v in p.share]}
            for p in report.presence
        ],
        "names": {
            "low": _("Lowest"),
            "median": _("Median"),
            "high": _("Highest"),
            "range": _("Lowest to highest"),
        },
    }


def report_json(report: MarketReport) -> dict:
    """The report for ``/api/market-report/``: money and shares as strings (Decimal), months as ``YYYY-MM``."""

    def item(i: Item) -> dict:
        return {"key": i.key, "label": i.label, "competitor": i.competitor or None, "ours": i.ours}

    def rate(value):
        return None if value is None else f"{value:.4f}"

    return {
        "region": {"id": report.region.pk, "name": report.region.name},
        "month": month_label(report.month),
        "months": [month_label(m) for m in report.months],
        "visits_checked": report.visits_checked,
        "prices": [
            {
                **item(p.item),
                "checks": p.checks,
                "min": f"{p.low:.2f}",
                "median": f"{p.median:.2f}",
                "max": f"{p.high:.2f}",
            }
            for p in report.prices
        ],
        "stock": [{**item(s.item), "stock": s.stock, "accounts": s.accounts} for s in report.stock],
        "presence": [
            {"competitor": p.competitor, "seen": p.seen, "share": [rate(v) for v in p.share], "accounts": p.accounts}
            for p in report.presence
        ],
    }


@dataclass
class CardCheck:
    """One line of an account's latest market check, beside the region's median for the item that month."""

    check: MarketCheck
    region_median: Decimal | None


def latest_check_of(*, distributor, for_user: User) -> tuple[Visit | None, list[CardCheck], Region | None]:
    """The account's latest visit with a market check that ``for_user`` may see, its lines, and the region's median
    price of each item that month (the market around the account, as the region's report shows it)."""
    visit = (
        Visit.objects.visible_to(for_user)
        .filter(distributor=distributor, market_checks__isnull=False)
        .exclude(late_entry=LateEntry.REJECTED)
        .order_by("-started_at", "-pk")
        .first()
    )
    if visit is None:
        return None, [], None
    team = getattr(distributor.owner, "team", None)
    region = regions_for(for_user).filter(pk=team.region_id).first() if team else None
    medians = {}
    if region is not None:
        month = visit.visit_date.replace(day=1)
        report = market_report(for_user=for_user, region=region, month=month, months=1)
        medians = {p.item.key: p.median for p in report.prices}
    checks = visit.market_checks.select_related("product", "brand", "competitor_product__brand__competitor")
    return visit, [CardCheck(c, medians.get(c.item_key)) for c in checks], region


def latest_check_json(*, distributor, for_user: User) -> dict | None:
    """``latest_check_of`` for the API: None when the account has no market check the caller may see."""
    visit, lines, region = latest_check_of(distributor=distributor, for_user=for_user)
    if visit is None:
        return None

    def money(value):
        return None if value is None else f"{value:.2f}"

    return {
        "visit": visit.pk,
        "visit_date": visit.visit_date.isoformat(),
        "region": region.pk if region else None,
        "lines": [
            {
                "item": line.check.item_key,
                "label": str(line.check.item),
                "price": money(line.check.price),
                "stock": line.check.stock,
                "facings": line.check.facings,
                "region_median": money(line.region_median),
            }
            for line in lines
        ],
    }
