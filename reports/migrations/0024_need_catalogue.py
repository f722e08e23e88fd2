"""The need catalogue and its standard strategy combinations (服务需求 → 标准策略组合库, KZB codes), in Chinese and
English, and the monthly beat schedule that computes the accounts' indicators and flags likely needs.

The handbook's KZB table was not available when this was written: the strategies and needs below are a sensible
set built from the handbooks' words (断货, 陈列, 促销, 新品, 库存, 临期品, 培训, 回款, 客单价, 重点品牌). The admin keeps
the catalogue from here on; rows already present (same code) are left as they are.
"""

from decimal import Decimal

from django.conf import settings
from django.db import migrations

# code, name (Chinese + English), description
STRATEGIES = [
    (
        "KZB01",
        "缺货品牌替代 Out-of-stock brand substitution",
        "竞品或我方某品项断货时，推荐我方同类在售品项补位，保住货架和销量。"
        " When a product is out of stock, offer our in-stock product of the same kind to keep the shelf and the sale.",
    ),
    (
        "KZB02",
        "陈列服务 Display service",
        "协助客户及其门店做端架、堆头和冰柜陈列，按陈列标准拍照验收。"
        " Help the account and its stores build end caps, floor stacks and freezer displays; photograph them.",
    ),
    (
        "KZB03",
        "促销跟进 Promotion follow-up",
        "跟进促销政策的执行：赠品到位、价签更新、核销资料收集。"
        " Follow a promotion through: gifts delivered, price tags updated, claim papers collected.",
    ),
    (
        "KZB04",
        "新品推广 New product introduction",
        "介绍新品卖点和进货政策，争取首单和重点门店铺货。"
        " Present a new product and its terms; win the first order and a place in the key stores.",
    ),
    (
        "KZB05",
        "库存优化 Stock optimisation",
        "按近期动销给出安全库存和补货建议，减少断货和积压。"
        " Propose safety stock and reorders from recent sell-out: fewer stock-outs, less dead stock.",
    ),
    (
        "KZB06",
        "临期品处理 Near-expiry stock handling",
        "盘点临期品，安排调拨、促销消化或按政策退换。"
        " Count near-expiry stock; transfer it, sell it on promotion or exchange it under the policy.",
    ),
    (
        "KZB07",
        "店员与业务员培训 Staff training",
        "给客户的业务员和店员讲解产品知识、销售话术和先进先出。"
        " Train the account's salespeople and shop staff: product knowledge, selling lines, first in first out.",
    ),
    (
        "KZB08",
        "账期与回款协调 Payment terms and collection",
        "对账、确认到期货款和付款方式，协调账期与信用额度。"
        " Reconcile the account, agree the money due and how it is paid; settle terms and the credit limit.",
    ),
    (
        "KZB09",
        "组合订货建议 Order bundle proposal",
        "按客户的品类结构推荐组合订货和整箱起订，提高单次订货金额。"
        " Propose bundles and full-case orders across the account's categories to raise the value of each order.",
    ),
    (
        "KZB10",
        "经营分析会 Business review with the owner",
        "与老板一起看月度进销存和毛利，找出下滑原因，约定改进动作。"
        " Go through the month's buying, selling, stock and margin with the owner; agree what to change.",
    ),
]

# code, English name, Chinese name, description, indicator, comparison, threshold, strategy codes, position
NEEDS = [
    (
        "sales-falling",
        "Sales falling",
        "销量下滑",
        "The month's sales are more than 30 % below the month before. 月销售额比上月下降超过 30%。",
        "sales_change",
        "below",
        Decimal("-0.3000"),
        ["KZB10", "KZB05", "KZB03"],
        1,
    ),
    (
        "low-order-value",
        "Low average order value",
        "客单价偏低",
        "Orders are small: the month's average order is below 2,000. 月平均每单金额低于 2,000 元。",
        "average_order_value",
        "below",
        Decimal("2000.0000"),
        ["KZB09", "KZB04", "KZB05"],
        2,
    ),
    (
        "key-brands-weak",
        "Key brands under-represented",
        "重点品牌占比低",
        "Key brands make less than 40 % of the month's sales. 重点品牌销售额占月销售额不足 40%。",
        "key_brand_share",
        "below",
        Decimal("0.4000"),
        ["KZB02", "KZB04", "KZB07"],
        3,
    ),
    (
        "out-of-stock",
        "Out of stock",
        "断货",
        "The rep found our products out of stock at the account or its stores. 业务员发现客户或其门店断货。",
        "",
        "below",
        None,
        ["KZB01", "KZB05"],
        4,
    ),
    (
        "near-expiry",
        "Near-expiry stock",
        "临期品积压",
        "Stock close to its expiry date is piling up. 临近保质期的库存积压。",
        "",
        "below",
        None,
        ["KZB06", "KZB03"],
        5,
    ),
    (
        "staff-knowledge",
        "Staff lack product knowledge",
        "店员不熟悉产品",
        "The account's salespeople or shop staff cannot sell our range well. 客户业务员或店员不熟悉我方产品。",
        "",
        "below",
        None,
        ["KZB07", "KZB04"],
        6,
    ),
    (
        "payment-difficulty",
        "Payment difficulties",
        "回款困难",
        "The account pays late or asks for longer terms. 客户回款拖延或要求延长账期。",
        "",
        "below",
        None,
        ["KZB08", "KZB10"],
        7,
    ),
]

SCHEDULE = "Reports: account indicators and likely needs"


def create(apps, schema_editor):
    ServiceStrategy = apps.get_model("reports", "ServiceStrategy")
    Need = apps.get_model("reports", "Need")
    strategies = {}
    for code, name, description in STRATEGIES:
        strategies[code], _created = ServiceStrategy.objects.get_or_create(
            code=code, defaults={"name": name, "description": description, "is_active": True}
        )
    for code, name, name_zh, description, indicator, comparison, threshold, combination, position in NEEDS:
        need, created = Need.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_zh": name_zh,
                "description": description,
                "indicator": indicator,
                "comparison": comparison,
                "threshold": threshold,
                "position": position,
            },
        )
        if created:
            need.strategies.set([strategies[c] for c in combination])
    create_schedules(apps, schema_editor)


def create_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    # The 1st of the month, after the nightly rollups have closed the month before.
    crontab, _created = CrontabSchedule.objects.get_or_create(
        minute="30", hour="4", day_of_week="*", day_of_month="1", month_of_year="*", timezone=settings.TIME_ZONE
    )
    PeriodicTask.objects.update_or_create(
        name=SCHEDULE,
        defaults={"task": "reports.tasks.compute_indicators", "enabled": True, "interval": None, "crontab": crontab},
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SCHEDULE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0023_needs_and_training"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
