"""The demo competitor catalogue: the competitors whose brands the demo distributors carry (康泰, 金穗, 醉江南) and
one more, each product set against the product of ours it competes with. Safe to run again."""

from distributors.cards.models import Product
from distributors.competitors.models import Competitor, CompetitorBrand, CompetitorProduct

# code, name, note, {brand: [(product, unit, our SKU it competes with or None)]}
COMPETITORS = [
    (
        "KANGTAI",
        "康泰饮品 Kangtai Beverages",
        "饮料、乳品、休闲食品 · beverages, dairy, snacks",
        {
            "康泰 Kangtai": [
                ("纯净水 550ml×24", "carton", "XY-W550"),
                ("100%橙汁 1L×12", "carton", "XY-OJ1L"),
                ("无糖绿茶 500ml×15", "carton", "XY-TEA5"),
                ("纯牛奶 250ml×24", "carton", "XY-MK250"),
            ],
            "康泰小食 Kangtai Snacks": [
                ("薯片 70g×30", "carton", "TY-CHIP70"),
                ("每日坚果 25g×30", "carton", "TY-NUT25"),
            ],
        },
    ),
    (
        "JINSUI",
        "金穗粮油集团 Jinsui Grain & Oil",
        "粮油、调味品、速冻 · grain, oil, condiments, frozen",
        {
            "金穗 Jinsui": [
                ("东北大米 5kg×4", "bag", "HX-RICE5"),
                ("压榨花生油 5L×4", "carton", "HX-PNO5L"),
                ("特级生抽 500ml×12", "carton", "HX-SOY500"),
            ],
            "金穗速冻 Jinsui Frozen": [
                ("猪肉水饺 1kg×10", "carton", "BY-DUMP1K"),
                ("黑芝麻汤圆 500g×20", "carton", "BY-TY500"),
            ],
        },
    ),
    (
        "ZUIJIANGNAN",
        "醉江南酒业 Zuijiangnan Liquor",
        "黄酒、白酒 · rice wine, baijiu",
        {"醉江南 Zuijiangnan": [("五年陈花雕 500ml×12", "carton", None)]},
    ),
    (
        "WANGLAI",
        "旺来食品 Wanglai Foods",
        "休闲食品新进入者，价格战 · a new snack maker, selling on price",
        {"旺来 Wanglai": [("苏打饼干 400g×12", "carton", "TY-SODA400"), ("海苔脆片 40g×24", "carton", "TY-SEAW")]},
    ),
]


def seed() -> None:
    ours = dict(Product.objects.values_list("sku", "pk"))
    for code, name, note, brands in COMPETITORS:
        competitor, _created = Competitor.objects.update_or_create(
            code=code, defaults={"name": name, "note": note, "is_active": True}
        )
        for brand_name, products in brands.items():
            brand, _created = CompetitorBrand.objects.update_or_create(
                competitor=competitor, name=brand_name, defaults={"is_active": True}
            )
            for product_name, unit, sku in products:
                CompetitorProduct.objects.update_or_create(
                    brand=brand,
                    name=product_name,
                    defaults={"unit": unit, "compares_with_id": ours.get(sku), "is_active": True},
                )
