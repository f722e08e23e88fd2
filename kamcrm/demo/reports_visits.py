"""Demo visits, orders and daily reports for ``manage.py seed_demo``: three months of every demo rep's working days.

Runs after ``accounts_org`` and ``distributors_cards``. Everything is drawn from fixed random streams seeded
with 2026: each rep's day has its own stream (``random.Random("2026:day:<rep>:<date>")``), so what a given
day holds never depends on the day the seed runs. The history always covers the last three months up to
yesterday; a run on a later day adds the days that have passed since and leaves the rest alone.

The last few days go through ``reports.visits.services`` (visits with their orders and money collected, which
becomes a payment claim when the receivables app is installed; the KAM moves orders along; reps submit
their days) and the ERP import; the older history is written in bulk to stay fast, with the same totals
(the services' line builder), audit events and ``Distributor.last_visited_on``. Natural keys make it safe
to run again: a visit is (rep, distributor, date), a daily report (rep, date), an ERP order its number, an
order entered by the KAM (distributor, date, entered by). Nothing is ever deleted.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from importlib import import_module

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import Role, User
from distributors.cards.models import Status, Tier
from distributors.models import Brand, Contact, Distributor, DistributorBrand, Product
from kamcrm.audit import services as audit
from kamcrm.audit.models import AuditEvent
from kamcrm.demo.accounts_org import REGIONS
from kamcrm.imports.sheets import Sheet
from kamcrm.money import cents
from receivables.models import PaymentMethod
from reports.cycle import services as cycle_services
from reports.cycle.models import Comment, ScheduleEntry, ServiceStrategy, WeeklySchedule
from reports.visits import order_import, services
from reports.visits.geo import distance_m
from reports.visits.models import DailyReport, Order, OrderLine, OrderStatus, Purpose, Visit, VisitKind, VisitStock

SEED = 2026
HISTORY_DAYS = 91  # about three months, up to yesterday
SERVICE_DAYS = 4  # the last days go through the services one by one; older history is written in bulk
# These reps have not submitted their last working day yet (the KAM's "missing reports" list); the first has
# written notes as a draft.
LATE_REPS = ("rep_sh_2", "rep_gz_3")
# Public holidays (no visits): National Day and Mid-Autumn 2026, New Year and Spring Festival 2027.
HOLIDAYS = {date(2026, 10, 1) + timedelta(days=i) for i in range(7)} | {date(2026, 9, 25), date(2027, 1, 1)}
HOLIDAYS |= {date(2027, 2, 6) + timedelta(days=i) for i in range(7)}

# The strategy library is the KZB table the need catalogue's data migration seeds (reports/migrations/0020_…);
# purpose -> the strategies that fit it.
STRATEGY_MIGRATION = "reports.migrations.0024_need_catalogue"
STRATEGY_FOR = {
    Purpose.ORDER_TAKING: ["KZB01", "KZB05", "KZB04", "KZB03"],
    Purpose.COLLECTION: ["KZB08"],
    Purpose.DISPLAY_CHECK: ["KZB02", "KZB03"],
    Purpose.COMPLAINT: ["KZB06", "KZB08"],
    Purpose.TRAINING: ["KZB07", "KZB04"],
    Purpose.RELATIONSHIP: ["KZB04", "KZB08"],
    Purpose.OTHER: ["KZB05", "KZB02"],
}

CUSTOMERS = (Status.KEY, Status.QUALIFIED, Status.UNQUALIFIED)
# How much a customer weighs when a rep picks the day's accounts: key accounts most, unqualified least.
WEIGHTS = {(Status.KEY, Tier.A): 8, (Status.KEY, Tier.B): 5, (Status.QUALIFIED, Tier.B): 4}
# The chance that a customer has a gap of three to five weeks without visits in a nine-week block.
GAP_CHANCE = {Tier.A: 0.0, Tier.B: 0.4, Tier.C: 0.5}
# Prospects are visited on a cycle of this many days (longer than the tier's frequency: they go overdue).
PROSPECT_CYCLE = {Status.INTENT_NEAR: 16, Status.INTENT_LONG: 38, Status.POTENTIAL: 45}

PURPOSES = {
    "customer": [
        (Purpose.ORDER_TAKING, 34),
        (Purpose.COLLECTION, 16),
        (Purpose.DISPLAY_CHECK, 18),
        (Purpose.RELATIONSHIP, 14),
        (Purpose.TRAINING, 6),
        (Purpose.COMPLAINT, 5),
        (Purpose.OTHER, 7),
    ],
    "prospect": [(Purpose.RELATIONSHIP, 70), (Purpose.OTHER, 30)],
}
PURPOSE_NOTES = {
    Purpose.ORDER_TAKING: ["周例行补货", "月度订货", "节前备货", "新品首单", "促销期加单"],
    Purpose.COLLECTION: ["收取上月到期货款", "对账并催收逾期货款", "收取银行承兑汇票", "确认本月回款计划"],
    Purpose.DISPLAY_CHECK: ["检查重点门店陈列", "端架堆头验收", "冰柜陈列检查", "新品铺货检查"],
    Purpose.COMPLAINT: ["处理外箱破损退换", "回访临期品投诉", "跟进配送延误投诉"],
    Purpose.TRAINING: ["给客户业务员讲新品卖点", "仓库先进先出培训", "促销执行培训"],
    Purpose.RELATIONSHIP: ["拜访老板，沟通下季度合作", "和采购经理喝茶聊市场", "了解客户经营近况"],
    Purpose.OTHER: ["核对库存和进销存数据", "陪同客户经理走访市场", "收集竞品价格"],
}
OUTCOMES = {
    Purpose.ORDER_TAKING: [
        "{contact}确认补货，{product}走得快，建议下次加量。",
        "客户按上月销量下单，{product}库存偏低已提醒。",
        "本次订货正常，{competitor}在搞买赠，客户希望我们也给点支持。",
        "{contact}同意先进一批{product}试销，两周后看动销。",
    ],
    Purpose.COLLECTION: [
        "已对账，上月货款本周内付清。",
        "{contact}答应月底前付清逾期部分，已记录承诺日期。",
        "收到部分货款，余款约定下周转账。",
        "对账无差异，客户财务已安排付款。",
    ],
    Purpose.DISPLAY_CHECK: [
        "两家重点门店端架已按标准陈列，已拍照。",
        "{product}排面被{competitor}挤占，已和店长沟通恢复。",
        "冰柜陈列合格，价签需更新。",
        "新品在三家门店已上架，一家还没铺到。",
    ],
    Purpose.COMPLAINT: [
        "破损部分已登记，安排下批换货。",
        "临期品已核实，按政策做促销消化。",
        "配送延误原因已查明，客户表示理解。",
    ],
    Purpose.TRAINING: [
        "给客户6名业务员讲了{product}卖点，反馈不错。",
        "仓库人员已了解先进先出要求，下周复查。",
        "讲解了本月促销政策和核销流程。",
    ],
    Purpose.RELATIONSHIP: [
        "和{contact}聊了下季度计划，对我们的新品兴趣较大。",
        "客户对近期配送很满意，希望争取更多陈列费用。",
        "{contact}提到{competitor}在接触他们，需要关注。",
    ],
    Purpose.OTHER: [
        "进销存数据已核对，库存周转约三周。",
        "走访了周边五家终端，{product}铺货率约六成。",
        "记录了{competitor}的最新价格和促销。",
    ],
}
PROSPECT_OUTCOMES = [
    "介绍了我司{brand}产品线，{contact}有兴趣，约下次带样品。",
    "客户还在和{competitor}合作，合同年底到期，保持联系。",
    "了解了客户的渠道和仓储情况，整理进客户资料卡。",
    "送了样品和价格表，客户要内部商量。",
]
FOLLOW_UPS = [
    "送样品并报价",
    "跟进到货和上架情况",
    "提交陈列费用申请",
    "确认回款日期",
    "安排换货",
    "发送新品资料",
    "复查门店陈列",
]
PROBLEMS = [
    "",
    "",
    "部分门店{product}断货，物流到货比计划晚一天。",
    "客户反映促销赠品还没到位。",
    "有一家客户回款拖延，需要客户经理出面沟通。",
    "{competitor}降价，客户要求我们给价格支持。",
    "仓库临期品偏多，需要尽快处理。",
]
MARKET_INFO = [
    "天气转凉，饮料动销放缓，速冻和粮油开始走量。",
    "社区团购渠道增长明显，客户想加大投入。",
    "终端反映{product}复购率高，建议加大铺货。",
    "节前备货需求上来了，大客户都在提前订货。",
    "新开了两家连锁便利店，可以争取进场。",
]
COMPETITOR_ACTIVITY = [
    "{competitor}在搞买十送一，力度较大。",
    "{competitor}新招了两名业务员，在跑我们的重点客户。",
    "{competitor}给经销商加了一个点返利。",
    "暂未发现竞品有新动作。",
    "{competitor}在超市做了堆头和试吃。",
]
KAM_COMMENTS = [
    "数据清楚，回款要继续盯紧。",
    "竞品信息很有价值，整理到周报里。",
    "陈列照片下次多拍几张，月底要核销。",
    "断货的问题我来找物流协调。",
    "好，明天把促销方案发我看一下。",
]
COMPETITORS = ["康泰", "金穗", "醉江南"]


def _rng(*key) -> random.Random:
    """The random stream for one key (a rep's day, an account's cycle ...), the same on every machine."""
    return random.Random(":".join(str(part) for part in (SEED, *key)))


# ---------------------------------------------------------------------------------------------------------------
# Who works when, and which accounts they see on a day.


def works_on(username: str, day: date) -> bool:
    """Mon–Sat except public holidays and a few days off."""
    if day.weekday() == 6 or day in HOLIDAYS:
        return False
    return _rng("off", username, day).random() >= 0.05


def last_working_day(today: date) -> date:
    day = today - timedelta(days=1)
    while day.weekday() == 6 or day in HOLIDAYS:
        day -= timedelta(days=1)
    return day


def _in_gap(code: str, tier: str, day: date) -> bool:
    """Now and then a B or C customer is not visited for three to five weeks (and goes overdue); the gaps are
    fixed on the calendar (nine-week blocks), not relative to the day the seed runs."""
    ordinal = day.toordinal()
    block = ordinal // 63
    for b in (block - 1, block):
        rng = _rng("gap", code, b)
        if rng.random() < GAP_CHANCE[tier]:
            start = b * 63 + rng.randint(0, 40)
            if start <= ordinal < start + rng.randint(21, 42):
                return True
    return False


def _prospect_due(card: Distributor, day: date) -> bool:
    cycle = PROSPECT_CYCLE[card.status]
    phase = _rng("phase", card.code).randrange(cycle)
    if (day.toordinal() - phase) % cycle:
        return False
    return _rng("prospect", card.code, day).random() >= 0.2  # and sometimes the visit slips


def _key_account_day(card: Distributor, day: date) -> bool:
    """Is ``day`` the weekday (Monday–Friday, fixed per account) on which this key account is seen?"""
    return card.tier == Tier.A and _rng("weekday", card.code).randrange(5) == day.weekday()


def day_accounts(username: str, cards: list[Distributor], day: date, rng: random.Random) -> list[Distributor]:
    """The accounts a rep sees on a working day, in route order: prospects due that day and 3–6 customers
    (fewer when the rep has fewer to see), key accounts most often."""
    prospects = [card for card in cards if card.status in PROSPECT_CYCLE and _prospect_due(card, day)]
    customers = [
        card
        for card in cards
        if card.status in CUSTOMERS
        and not _in_gap(card.code, card.tier, day)
        and (card.status != Status.UNQUALIFIED or _rng("unqualified", card.code, day).random() < 0.3)
    ]
    wanted = max(0, rng.randint(3, 6) - len(prospects))
    # Key (tier A) accounts are seen every week: each on its own weekday, whatever the draw gives.
    chosen: list[Distributor] = [card for card in customers if _key_account_day(card, day)]
    pool = [card for card in customers if card not in chosen]
    while pool and len(chosen) < wanted:
        weights = [WEIGHTS.get((card.status, card.tier), 2 if card.status == Status.QUALIFIED else 1) for card in pool]
        pick = rng.choices(pool, weights=weights)[0]
        pool.remove(pick)
        chosen.append(pick)
    route = prospects + chosen
    rng.shuffle(route)
    return route


# ---------------------------------------------------------------------------------------------------------------
# What a visit holds.


@dataclass
class Catalogue:
    strategies: dict[str, ServiceStrategy]
    products_by_brand: dict[int, list[Product]]
    own_products: list[Product]
    brands_of: dict[int, list[Brand]]  # distributor -> brands carried, ours first
    contacts_of: dict[int, list[Contact]]


@dataclass
class VisitPlan:
    visit: Visit
    extras: services.VisitExtras
    order_statuses: list[str] = field(default_factory=list)


def _lines(rng: random.Random, card: Distributor, catalogue: Catalogue) -> list[services.LineInput]:
    own = [b for b in catalogue.brands_of.get(card.pk, []) if b.is_own]
    products = [p for b in own for p in catalogue.products_by_brand.get(b.pk, [])] or catalogue.own_products
    scale = {Tier.A: (10, 80), Tier.B: (5, 40)}.get(card.tier, (2, 20))
    lines = []
    for product in rng.sample(products, min(len(products), rng.choice([1, 1, 2, 2, 3, 4]))):
        discount = Decimal(rng.choice([0, 0, 0, 2, 3, 5]))
        price = cents(product.unit_price * (100 - discount) / 100)
        lines.append(services.LineInput(product=product, quantity=Decimal(rng.randint(*scale)), unit_price=price))
    return lines


def _status_for(rng: random.Random, age_days: int) -> str:
    """Older orders have shipped, recent ones are confirmed or still taken, a few were cancelled."""
    roll = rng.random()
    if roll < 0.04:
        return OrderStatus.CANCELLED
    if age_days > 14:
        return OrderStatus.SHIPPED
    if age_days > 4:
        return OrderStatus.SHIPPED if roll < 0.6 else OrderStatus.CONFIRMED
    return OrderStatus.CONFIRMED if roll < 0.5 else OrderStatus.TAKEN


def _text(rng: random.Random, template: str, card: Distributor, catalogue: Catalogue) -> str:
    brands = catalogue.brands_of.get(card.pk, [])
    own = [b for b in brands if b.is_own]
    products = [p for b in own for p in catalogue.products_by_brand.get(b.pk, [])] or catalogue.own_products
    contacts = catalogue.contacts_of.get(card.pk, [])
    return template.format(
        contact=(contacts[0].name if contacts else "老板"),
        product=rng.choice(products).name.split(" ")[0],
        brand=(own[0].name if own else rng.choice(products).brand.name),
        competitor=rng.choice([b.name.split(" ")[-1] for b in brands if not b.is_own] or COMPETITORS),
    )


def plan_visit(
    rng: random.Random,
    rep: User,
    card: Distributor,
    day: date,
    starts: datetime,
    today: date,
    catalogue: Catalogue,
) -> VisitPlan:
    customer = card.status in CUSTOMERS
    choices = PURPOSES["customer" if customer else "prospect"]
    purpose = rng.choices([p for p, _w in choices], weights=[w for _p, w in choices])[0]
    kind = rng.choices(
        [VisitKind.IN_PERSON, VisitKind.PHONE, VisitKind.ONLINE], weights=[62, 28, 10] if customer else [85, 10, 5]
    )[0]
    minutes = {VisitKind.IN_PERSON: (25, 80), VisitKind.PHONE: (5, 15), VisitKind.ONLINE: (10, 30)}[kind]
    contacts = catalogue.contacts_of.get(card.pk, [])
    outcome = rng.choice(OUTCOMES[purpose] if customer else PROSPECT_OUTCOMES)
    visit = Visit(
        distributor=card,
        rep=rep,
        kind=kind,
        started_at=starts,
        ended_at=starts + timedelta(minutes=rng.randint(*minutes)),
        purpose=purpose,
        purpose_note=rng.choice(PURPOSE_NOTES[purpose]),
        outcome=_text(rng, outcome, card, catalogue),
    )
    orders = []
    if customer and rng.random() < (0.8 if purpose == Purpose.ORDER_TAKING else 0.12):
        orders.append(services.OrderInput(lines=_lines(rng, card, catalogue)))
    if customer and (purpose == Purpose.COLLECTION or rng.random() < 0.05):
        low, high = {Tier.A: (20_000, 150_000), Tier.B: (5_000, 60_000)}.get(card.tier, (1_000, 20_000))
        visit.collected_amount = cents(rng.randint(low // 100, high // 100) * 100)
        visit.collection_method = rng.choices(
            [PaymentMethod.BANK_TRANSFER, PaymentMethod.ACCEPTANCE_BILL, PaymentMethod.CHEQUE, PaymentMethod.CASH],
            weights=[60, 15, 15, 10],
        )[0]
    if rng.random() < 0.4:
        visit.follow_up_action = rng.choice(FOLLOW_UPS)
        visit.follow_up_due = day + timedelta(days=rng.randint(2, 10))
    brands = catalogue.brands_of.get(card.pk, [])
    stock = []
    if kind == VisitKind.IN_PERSON and purpose in (Purpose.ORDER_TAKING, Purpose.DISPLAY_CHECK):
        stock = [(brand, rng.randint(0, 40) * 10) for brand in brands if brand.is_own]
    strategies = []
    if rng.random() < 0.6:
        codes = STRATEGY_FOR[purpose]
        strategies = [catalogue.strategies[code] for code in rng.sample(codes, min(len(codes), rng.choice([1, 1, 2])))]
    extras = services.VisitExtras(
        contacts=contacts[:1] if kind != VisitKind.ONLINE and contacts and rng.random() < 0.8 else [],
        brands=rng.sample(brands, min(len(brands), rng.randint(1, 2))) if brands else [],
        strategies=strategies,
        stock=stock,
        orders=orders,
    )
    statuses = [_status_for(rng, (today - day).days) for _order in orders]
    _check_in(visit, card, starts)
    return VisitPlan(visit, extras, statuses)


def _check_in(visit: Visit, card: Distributor, starts: datetime) -> None:
    """Where the phone was at an in-person visit: mostly at the account, now and then far from it or not shared
    (so the check-in flags show in the demo). Its own random stream: the rest of the demo is unchanged."""
    if visit.kind != VisitKind.IN_PERSON or card.latitude is None or card.longitude is None:
        return
    geo = random.Random(f"checkin-{card.code}-{starts.isoformat()}")
    roll = geo.random()
    if roll < 0.07:
        return  # location not shared
    spread = 0.03 if roll < 0.14 else 0.002  # ~3 km away, else within ~200 m
    visit.latitude = Decimal(f"{float(card.latitude) + geo.uniform(-spread, spread):.6f}")
    visit.longitude = Decimal(f"{float(card.longitude) + geo.uniform(-spread, spread):.6f}")
    visit.location_accuracy_m = geo.randint(5, 60)
    # Older demo visits are bulk-created, past save_visit: the distance is worked out here, the same way.
    visit.distance_from_account_m = distance_m(visit.latitude, visit.longitude, card.latitude, card.longitude)


def _route_times(rng: random.Random, day: date, count: int) -> list[datetime]:
    start = timezone.make_aware(datetime.combine(day, time(9, 0)))
    times = []
    for _index in range(count):
        start += timedelta(minutes=rng.randint(0, 40))
        times.append(start)
        start += timedelta(minutes=rng.randint(60, 110))
    return times


def _notes(rng: random.Random, summary: list[tuple[Distributor, int, Decimal]], catalogue: Catalogue) -> dict:
    """The rep's notes (日感受) on a day of (account, orders taken, money collected) visits."""
    names = "、".join(dict.fromkeys(card.display_name for card, _orders, _money in summary))
    orders = sum(n for _card, n, _money in summary)
    collected = sum((amount for _card, _n, amount in summary), Decimal("0"))
    happenings = f"今天联系了{len(summary)}家客户（{names}）。" if summary else "整理客户资料，电话回访了几家客户。"
    if orders:
        happenings += f"接单{orders}笔。"
    if collected:
        happenings += f"收回货款{collected:,.0f}元。"

    def fill(template: str) -> str:
        if not summary:
            return template.format(product="新品", competitor=rng.choice(COMPETITORS))
        return _text(rng, template, summary[0][0], catalogue)

    return {
        "happenings": happenings,
        "problems": fill(rng.choice(PROBLEMS)),
        "market_info": fill(rng.choice(MARKET_INFO)),
        "competitor_activity": fill(rng.choice(COMPETITOR_ACTIVITY)),
    }


def plan_day(rep: User, cards: list[Distributor], day: date, today: date, catalogue: Catalogue) -> list[VisitPlan]:
    """Everything of the rep's visits on a working day, drawn from the day's own random stream."""
    rng = _rng("day", rep.username, day)
    route = day_accounts(rep.username, cards, day, rng)
    return [
        plan_visit(rng, rep, card, day, starts, today, catalogue)
        for card, starts in zip(route, _route_times(rng, day, len(route)), strict=True)
    ]


def _aware(day: date, hour: int, minute: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


# ---------------------------------------------------------------------------------------------------------------
# Writing: only what is missing.


def _seed_strategies() -> dict[str, ServiceStrategy]:
    """The KZB strategies (and the need catalogue), from the data migration when a flushed database lacks them."""
    codes = {code for codes in STRATEGY_FOR.values() for code in codes}
    if ServiceStrategy.objects.filter(code__in=codes).count() < len(codes):
        import_module(STRATEGY_MIGRATION).create(apps, None)
    return {s.code: s for s in ServiceStrategy.objects.filter(code__in=codes)}


def _catalogue(strategies: dict[str, ServiceStrategy], cards: list[Distributor]) -> Catalogue:
    products = list(Product.objects.filter(is_active=True, brand__is_own=True).select_related("brand").order_by("sku"))
    by_brand: dict[int, list[Product]] = {}
    for product in products:
        by_brand.setdefault(product.brand_id, []).append(product)
    brands_of: dict[int, list[Brand]] = {}
    carried = DistributorBrand.objects.filter(distributor__in=cards).select_related("brand")
    for row in carried.order_by("distributor_id", "-brand__is_own", "brand__code"):
        brands_of.setdefault(row.distributor_id, []).append(row.brand)
    contacts_of: dict[int, list[Contact]] = {}
    for contact in Contact.objects.filter(distributor__in=cards).order_by("distributor_id", "-is_primary", "pk"):
        contacts_of.setdefault(contact.distributor_id, []).append(contact)
    return Catalogue(strategies, by_brand, products, brands_of, contacts_of)


def _move_order(order: Order, status: str, by: User) -> None:
    path = {
        OrderStatus.TAKEN: [],
        OrderStatus.CONFIRMED: [OrderStatus.CONFIRMED],
        OrderStatus.SHIPPED: [OrderStatus.CONFIRMED, OrderStatus.SHIPPED],
        OrderStatus.CANCELLED: [OrderStatus.CANCELLED],
    }[status]
    for step in path:
        order = services.set_order_status(order=order, status=step, by=by)


class _Recent:
    """The last days go through the services one by one, as a rep and a KAM would enter them."""

    @staticmethod
    def visits(plans: list[VisitPlan], kam: User) -> None:
        for plan in plans:
            rep = plan.visit.rep
            visit = services.save_visit(visit=plan.visit, by=rep, extras=plan.extras)
            # later, the KAM confirms, ships or cancels the orders
            for order, status in zip(visit.orders.order_by("pk"), plan.order_statuses, strict=True):
                _move_order(order, status, kam)

    @staticmethod
    def report(rep: User, kam: User, day: date, today: date, notes: dict, review: str | None) -> None:
        report = cycle_services.submit_daily_report(report=DailyReport(rep=rep, date=day, **notes), by=rep)
        if review is not None:
            cycle_services.review_daily_report(report=report, by=kam, comment=review)


class _History:
    """The older history, written in bulk so the seed stays fast: the same rows the services would write
    (order totals and gross profit by the services' own line builder and sums; audit events for visits,
    orders and submitted reports; orders in their final status), but no payment claims: finance settled
    the money collected in those weeks long ago."""

    def __init__(self):
        self.plans: list[VisitPlan] = []
        self.reports: list[tuple[DailyReport, User | None, str]] = []
        self.orders: list[tuple[Order, list[OrderLine], str]] = []  # (order, lines, audit action)

    def order(self, order: Order, lines: list[services.LineInput], action: str) -> None:
        """An order entered by the KAM or imported from the ERP, in its final status."""
        built = services._build_lines(lines)
        order.amount, order.gross_profit = order_import._totals(built)
        self.orders.append((order, built, action))

    def visits(self, plans: list[VisitPlan], kam: User) -> None:
        for plan in plans:
            plan.visit.visit_date = timezone.localdate(plan.visit.started_at)
        self.plans.extend(plans)

    def report(self, rep: User, kam: User, day: date, today: date, notes: dict, review: str | None) -> None:
        report = DailyReport(
            rep=rep,
            date=day,
            state=DailyReport.State.SUBMITTED,
            submitted_at=_aware(day, 18, 30) + timedelta(minutes=_rng("submitted", rep.username, day).randint(0, 150)),
            **notes,
        )
        if review is not None:
            report.reviewed_by, report.reviewed_at = kam, _aware(day + timedelta(days=1), 9, 15)
        self.reports.append((report, kam if review is not None else None, review or ""))

    def write(self) -> set[int]:
        """Write everything collected; returns the distributors visited."""
        events: list[AuditEvent] = []
        visits = Visit.objects.bulk_create([plan.visit for plan in self.plans])
        contacts, brands, strategies, stock = [], [], [], []
        orders = self.orders[:]
        for plan, visit in zip(self.plans, visits, strict=True):
            extras = plan.extras
            contacts += [Visit.contacts_met.through(visit_id=visit.pk, contact_id=c.pk) for c in extras.contacts]
            brands += [Visit.brands_discussed.through(visit_id=visit.pk, brand_id=b.pk) for b in extras.brands]
            strategies += [
                Visit.strategies.through(visit_id=visit.pk, servicestrategy_id=s.pk) for s in extras.strategies
            ]
            stock += [VisitStock(visit_id=visit.pk, brand=b, units=u) for b, u in extras.stock]
            for order_input, status in zip(extras.orders, plan.order_statuses, strict=True):
                lines = services._build_lines(order_input.lines)
                amount, gross_profit = order_import._totals(lines)
                order = Order(
                    distributor=visit.distributor,
                    rep=visit.rep,
                    order_date=visit.visit_date,
                    status=status,
                    visit=visit,
                    source=Order.Source.VISIT,
                    amount=amount,
                    gross_profit=gross_profit,
                    note=order_input.note,
                    created_by=visit.rep,
                )
                orders.append((order, lines, "order_created"))
            events.append(_event(visit, visit.rep, "visit_logged"))
        Visit.contacts_met.through.objects.bulk_create(contacts)
        Visit.brands_discussed.through.objects.bulk_create(brands)
        Visit.strategies.through.objects.bulk_create(strategies)
        VisitStock.objects.bulk_create(stock)
        Order.objects.bulk_create([order for order, _lines, _action in orders])
        for order, lines, action in orders:
            for line in lines:
                line.order = order
            after = audit.snapshot(order)
            after["lines"] = [[line.product_id, str(line.quantity), str(line.unit_price)] for line in lines]
            events.append(_event(order, order.created_by, action, after))
        OrderLine.objects.bulk_create([line for _order, lines, _action in orders for line in lines])
        reports = DailyReport.objects.bulk_create([report for report, _kam, _comment in self.reports])
        comments = []
        for report, (_report, kam, text) in zip(reports, self.reports, strict=True):
            events.append(_event(report, report.rep, "daily_report_submitted"))
            if kam is not None and text:
                comments.append((Comment(target=report, author=kam, text=text), report.reviewed_at))
        Comment.objects.bulk_create([comment for comment, _at in comments])
        for comment, at in comments:  # the comment was written when the KAM read the report
            Comment.objects.filter(pk=comment.pk).update(created_at=at)
        AuditEvent.objects.bulk_create(events)
        return {plan.visit.distributor_id for plan in self.plans}


def _event(obj, by: User, action: str, after: dict | None = None) -> AuditEvent:
    return AuditEvent(
        actor=by,
        action=action,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        after=audit.snapshot(obj) if after is None else after,
    )


def _seed_kam_orders(
    kam: User, team_cards: list[Distributor], days: list[date], today: date, catalogue, history, recent_from
) -> None:
    """Orders a KAM enters by hand (a distributor's boss phoned the KAM), about one a week per team."""
    customers = [card for card in team_cards if card.status in (Status.KEY, Status.QUALIFIED)]
    have = set(
        Order.objects.filter(source=Order.Source.MANUAL, created_by=kam, order_date__gte=days[0]).values_list(
            "distributor_id", "order_date"
        )
    )
    for day in days:
        rng = _rng("kam-order", kam.username, day)
        if rng.random() >= 0.2 or not customers:
            continue
        card = rng.choice(customers)
        lines = _lines(rng, card, catalogue)
        status = _status_for(rng, (today - day).days)
        if (card.pk, day) in have:
            continue
        order = Order(distributor=card, rep=card.owner, order_date=day, note="客户老板电话订货，客户经理代录")
        if day < recent_from:
            order.status, order.source, order.created_by = status, Order.Source.MANUAL, kam
            history.order(order, lines, "order_created")
        else:
            order = services.save_order(order=order, lines=lines, by=kam)
            _move_order(order, status, kam)


def _seed_erp_orders(
    team_index: int, kam: User, team_cards: list[Distributor], days: list[date], today, catalogue, history, recent_from
) -> None:
    """The team's orders from the ERP export, about two a week with 1–4 lines each: the recent ones through the
    ERP import itself, as the KAM would upload the export."""
    customers = [card for card in team_cards if card.status in CUSTOMERS]
    drawn = []
    for day in days:
        rng = _rng("erp", team_index, day)
        if rng.random() >= 0.35 or not customers:
            continue
        card = rng.choices(customers, weights=[WEIGHTS.get((c.status, c.tier), 2) for c in customers])[0]
        number = f"ERP-{day.year}-{day.timetuple().tm_yday * 100 + team_index * 10:06d}"
        status = OrderStatus.SHIPPED if (today - day).days > 7 else OrderStatus.CONFIRMED
        drawn.append((number, card, day, status, _lines(rng, card, catalogue)))
    imported = set(Order.objects.filter(erp_number__in=[d[0] for d in drawn]).values_list("erp_number", flat=True))
    rows = []
    for number, card, day, status, lines in drawn:
        if number in imported:
            continue
        if day < recent_from:
            order = Order(
                distributor=card,
                rep=card.owner,
                order_date=day,
                status=status,
                source=Order.Source.IMPORT,
                erp_number=number,
                created_by=kam,
            )
            history.order(order, lines, "order_imported")
            continue
        for line in lines:
            rows.append(
                [number, card.code, card.owner.username, day, status, line.product.sku, line.quantity, line.unit_price]
            )
    if not rows:
        return
    headers = ["erp_number", "distributor_code", "rep", "order_date", "status", "sku", "quantity", "unit_price"]
    sheet = Sheet(
        kind=order_import.KIND,
        headers=headers,
        fields=dict(enumerate(headers)),
        ignored=[],
        rows=[(number, row) for number, row in enumerate(rows, start=2)],
    )
    preview = order_import.commit(sheet=sheet, by=kam)
    if not preview.saved:
        raise RuntimeError(f"demo ERP import failed: {[(e.row, e.column, e.message) for e in preview.errors]}")


def _touch_last_visits(distributor_ids: set[int]) -> None:
    """Keep ``last_visited_on`` = the latest visit, as the visit service does (no write when it is right)."""
    latest = dict(
        Visit.objects.filter(distributor_id__in=distributor_ids)
        .values("distributor_id")
        .annotate(latest=Max("visit_date"))
        .values_list("distributor_id", "latest")
    )
    for card in Distributor.objects.filter(pk__in=distributor_ids).only("pk", "last_visited_on"):
        if card.last_visited_on != latest.get(card.pk):
            Distributor.objects.filter(pk=card.pk).update(last_visited_on=latest.get(card.pk))


@transaction.atomic
def seed() -> None:
    """Create what is missing of the last three months' visits, orders and daily reports of the demo company
    (run accounts_org and distributors_cards first)."""
    today = timezone.localdate()
    days = [today - timedelta(days=n) for n in range(HISTORY_DAYS, 0, -1)]
    last_day = last_working_day(today)
    recent_from = min(today - timedelta(days=SERVICE_DAYS), last_day)
    strategies = _seed_strategies()
    teams = [(kam, reps) for region in REGIONS.values() for kam, _name, reps in region.values()]
    usernames = [name for kam, reps in teams for name in (kam, *reps)]
    users = {user.username: user for user in User.objects.filter(username__in=usernames, is_active=True)}
    cards = list(
        Distributor.objects.filter(owner__username__in=usernames)
        .exclude(status=Status.TERMINATED)
        .select_related("owner")
        .order_by("code")
    )
    if not cards:
        return
    catalogue = _catalogue(strategies, cards)
    have = set(
        Visit.objects.filter(rep__in=users.values(), visit_date__gte=days[0]).values_list(
            "rep_id", "distributor_id", "visit_date"
        )
    )
    reports = {
        (rep_id, day): state
        for rep_id, day, state in DailyReport.objects.filter(rep__in=users.values(), date__gte=days[0]).values_list(
            "rep_id", "date", "state"
        )
    }
    history, recent = _History(), _Recent()
    for team_index, (kam_name, rep_names) in enumerate(teams):
        kam = users.get(kam_name)
        if kam is None:
            continue
        team_cards = [card for card in cards if card.owner.username in (kam_name, *rep_names)]
        for username in (*rep_names, kam_name):
            rep = users.get(username)
            if rep is None:
                continue
            own = [card for card in team_cards if card.owner_id == rep.pk]
            is_rep = username != kam_name
            for day in days:
                if not works_on(username, day):
                    continue
                writer = history if day < recent_from else recent
                state = reports.get((rep.pk, day))
                if not is_rep:  # a KAM sees their own key account now and then
                    own_today = (
                        own
                        if _rng("kam-visit", username, day).random() < 0.35
                        else [card for card in own if _key_account_day(card, day)]
                    )
                    plans = plan_day(rep, own_today, day, today, catalogue)
                elif state == DailyReport.State.SUBMITTED:  # a submitted day stays as it is
                    continue
                else:
                    plans = plan_day(rep, own, day, today, catalogue)
                writer.visits([p for p in plans if (rep.pk, p.visit.distributor.pk, day) not in have], kam)
                if is_rep and state in (None, DailyReport.State.DRAFT):
                    _report(writer, rep, kam, day, today, plans, catalogue, state, late=day == last_day)
        working = [day for day in days if works_on(kam_name, day)]
        _seed_kam_orders(kam, team_cards, working, today, catalogue, history, recent_from)
        _seed_erp_orders(team_index, kam, team_cards, working, today, catalogue, history, recent_from)
    visited = history.write()
    _touch_last_visits(visited)


def _report(writer, rep: User, kam: User, day: date, today: date, plans, catalogue, state, *, late: bool) -> None:
    """The rep submits the day with notes; a late rep has not yet (one has a draft); the KAM reviews a few."""
    rng = _rng("report", rep.username, day)
    summary = [(p.visit.distributor, len(p.extras.orders), p.visit.collected_amount) for p in plans]
    notes = _notes(rng, summary, catalogue)
    review = rng.choice(KAM_COMMENTS + [""]) if (today - day).days > 2 and rng.random() < 0.15 else None
    if late and rep.username in LATE_REPS:
        if rep.username == LATE_REPS[0] and state is None:
            cycle_services.save_daily_notes(report=DailyReport(rep=rep, date=day, **notes), by=rep)
        return
    if state == DailyReport.State.DRAFT:
        writer = _Recent
    writer.report(rep, kam, day, today, notes, review)


def seed_schedules() -> None:
    """Weekly schedules (周计划) of the demo reps for the weeks of the visit history and this week: the accounts
    each rep went on to visit, in the order of the day, plus now and then one that slipped. Weeks that already
    have a schedule are left as they are."""
    today = timezone.localdate()
    this_week = today - timedelta(days=today.weekday())
    first_week = this_week - timedelta(weeks=HISTORY_DAYS // 7)
    reps = User.objects.filter(role=Role.REP, is_active=True, username__in=_demo_reps())
    have = set(WeeklySchedule.objects.filter(rep__in=reps).values_list("rep_id", "week_start"))
    visits = (
        Visit.objects.filter(rep__in=reps, visit_date__gte=first_week)
        .order_by("rep_id", "visit_date", "started_at")
        .values_list("rep_id", "visit_date", "distributor_id")
    )
    planned: dict = {}
    for rep_id, day, distributor_id in visits:
        week = day - timedelta(days=day.weekday())
        if (rep_id, week) not in have:
            planned.setdefault((rep_id, week), {}).setdefault((day, distributor_id), None)
    owned: dict = {}
    for pk, owner_id in Distributor.objects.filter(owner__in=reps).values_list("pk", "owner_id"):
        owned.setdefault(owner_id, []).append(pk)
    schedules = WeeklySchedule.objects.bulk_create(
        WeeklySchedule(rep_id=rep_id, week_start=week, notes="") for rep_id, week in planned
    )
    entries = []
    for schedule, ((rep_id, week), stops) in zip(schedules, planned.items(), strict=True):
        rng = _rng("schedule", rep_id, week)
        stops = list(stops)
        accounts = owned.get(rep_id, [])
        if accounts and rng.random() < 0.6:  # a planned stop that did not happen
            slipped = (week + timedelta(days=rng.randrange(5)), rng.choice(accounts))
            if slipped not in stops:
                stops.append(slipped)
        sequence: dict = {}
        for day, distributor_id in sorted(stops, key=lambda s: s[0]):
            sequence[day] = sequence.get(day, 0) + 1
            entries.append(
                ScheduleEntry(schedule=schedule, day=day, sequence=sequence[day], distributor_id=distributor_id)
            )
    ScheduleEntry.objects.bulk_create(entries)


def _demo_reps() -> list[str]:
    return [name for region in REGIONS.values() for _kam, _name, reps in region.values() for name in reps]
