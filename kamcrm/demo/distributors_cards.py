"""Demo customer cards for ``manage.py seed_demo``: the same believable data on every machine, safe to run again.

:func:`build` draws the whole data set up front from ``random.Random(2026)``, so it never depends on what
is already in the database. :func:`seed` then writes only what is missing or differs (natural keys: a
brand's code, a product's SKU, a card's code, a contact's name, a complaint's kind and date, a suggestion's
date), through ``distributors.cards.services`` so the audit trail reads like real use. Fields the demo does not
set (``last_visited_on``, contacts someone added by hand ...) are left alone.
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from distributors.cards import services
from distributors.cards.models import (
    Attractiveness,
    Brand,
    Complaint,
    Contact,
    Distributor,
    DistributorBrand,
    Product,
    ProductCategory,
    RelationshipStage,
    RelationshipType,
    Reliability,
    Status,
    Suggestion,
    Tier,
)
from kamcrm.audit.models import AuditEvent
from kamcrm.demo.accounts_org import REGIONS
from kamcrm.money import CENT, cents

SEED = 2026

BEVERAGES, SNACKS, DAIRY, CONDIMENTS = "Beverages 饮料", "Snacks 休闲食品", "Dairy 乳制品", "Condiments 调味品"
GRAIN_OIL, HOUSEHOLD, LIQUOR, FROZEN = "Grain & oil 粮油", "Household 日化", "Liquor 酒类", "Frozen 冷冻食品"
CATEGORIES = [BEVERAGES, SNACKS, DAIRY, CONDIMENTS, GRAIN_OIL, HOUSEHOLD, LIQUOR, FROZEN]

OUR_COMPANY = "华晟食品集团 Huasheng Foods Group"
# code: (name, manufacturer, ours?, the categories it sells in)
BRANDS = {
    "XIANYUE": ("Xianyue 鲜悦", OUR_COMPANY, True, {BEVERAGES, DAIRY}),
    "TIANYUAN": ("Tianyuanji 田园记", OUR_COMPANY, True, {SNACKS}),
    "HEXIANG": ("Hexiang 禾香", OUR_COMPANY, True, {GRAIN_OIL, CONDIMENTS}),
    "BINGYUN": ("Bingyun 冰韵", OUR_COMPANY, True, {FROZEN, DAIRY}),
    "KANGTAI": ("Kangtai 康泰", "康泰饮品股份有限公司", False, {BEVERAGES, DAIRY, SNACKS}),
    "JINSUI": ("Jinsui 金穗", "金穗粮油集团", False, {GRAIN_OIL, CONDIMENTS, FROZEN}),
    "ZUIJIANGNAN": ("Zuijiangnan 醉江南", "醉江南酒业有限公司", False, {LIQUOR}),
}
OWN_BRANDS = [code for code, brand in BRANDS.items() if brand[2]]
KEY_BRANDS = {"XIANYUE", "TIANYUAN"}  # the brands the company pushes this year (重点品牌)
# sku, name, brand, unit, list price, unit cost
PRODUCTS = [
    ("XY-W550", "鲜悦饮用纯净水 550ml×24", "XIANYUE", "carton", "28.80", "19.50"),
    ("XY-OJ1L", "鲜悦100%橙汁 1L×12", "XIANYUE", "carton", "118.00", "82.60"),
    ("XY-TEA5", "鲜悦无糖乌龙茶 500ml×15", "XIANYUE", "carton", "67.50", "44.80"),
    ("XY-MK250", "鲜悦纯牛奶 250ml×24", "XIANYUE", "carton", "72.00", "53.30"),
    ("XY-YG200", "鲜悦原味酸奶 200g×20", "XIANYUE", "carton", "79.00", "57.20"),
    ("TY-CHIP70", "田园记薯片原味 70g×30", "TIANYUAN", "carton", "165.00", "108.90"),
    ("TY-NUT25", "田园记每日坚果 25g×30", "TIANYUAN", "carton", "139.00", "92.40"),
    ("TY-SODA400", "田园记苏打饼干 400g×12", "TIANYUAN", "carton", "98.40", "66.00"),
    ("TY-BEEF100", "田园记五香牛肉干 100g×20", "TIANYUAN", "carton", "376.00", "259.00"),
    ("TY-SEAW", "田园记海苔脆片 40g×24", "TIANYUAN", "carton", "151.20", "99.80"),
    ("HX-RICE5", "禾香东北大米 5kg×4", "HEXIANG", "bag", "156.00", "128.50"),
    ("HX-PNO5L", "禾香压榨花生油 5L×4", "HEXIANG", "carton", "396.00", "331.20"),
    ("HX-SOY500", "禾香特级生抽 500ml×12", "HEXIANG", "carton", "84.00", "55.60"),
    ("HX-VIN500", "禾香山西老陈醋 500ml×12", "HEXIANG", "carton", "66.00", "43.10"),
    ("HX-CHK200", "禾香鸡精 200g×20", "HEXIANG", "carton", "130.00", "88.00"),
    ("BY-DUMP1K", "冰韵猪肉白菜水饺 1kg×10", "BINGYUN", "carton", "189.00", "139.90"),
    ("BY-TY500", "冰韵黑芝麻汤圆 500g×20", "BINGYUN", "carton", "210.00", "152.00"),
    ("BY-PAN", "冰韵原味手抓饼 900g×8", "BINGYUN", "carton", "126.40", "91.00"),
    ("BY-ICE80", "冰韵香草冰淇淋 80g×40", "BINGYUN", "carton", "112.00", "70.40"),
    ("BY-BAO", "冰韵奶黄包 360g×16", "BINGYUN", "carton", "150.40", "106.20"),
]

# Each team sells in its own patch: city -> (telephone area code, {county: [towns]}); the first city is home.
PLACES = {
    "kam_sh": {
        "上海": (
            "021",
            {
                "浦东新区": ["周浦镇", "川沙新镇", "惠南镇"],
                "闵行区": ["七宝镇", "莘庄镇", "颛桥镇"],
                "嘉定区": ["安亭镇", "南翔镇"],
                "松江区": ["泗泾镇", "九亭镇"],
                "宝山区": ["罗店镇", "大场镇"],
                "青浦区": ["朱家角镇", "赵巷镇"],
            },
        ),
        "苏州": (
            "0512",
            {
                "昆山市": ["玉山镇", "周庄镇", "花桥镇"],
                "常熟市": ["虞山街道", "梅李镇"],
                "吴江区": ["松陵街道", "盛泽镇"],
            },
        ),
        "无锡": ("0510", {"江阴市": ["澄江街道", "周庄镇"], "宜兴市": ["宜城街道", "丁蜀镇"]}),
        "南通": ("0513", {"海门区": ["海门街道", "三星镇"], "启东市": ["汇龙镇"]}),
    },
    "kam_hz": {
        "杭州": (
            "0571",
            {
                "余杭区": ["良渚街道", "仓前街道"],
                "萧山区": ["城厢街道", "瓜沥镇"],
                "富阳区": ["富春街道", "新登镇"],
                "桐庐县": ["桐君街道", "分水镇"],
            },
        ),
        "宁波": (
            "0574",
            {"慈溪市": ["浒山街道", "周巷镇"], "余姚市": ["阳明街道", "泗门镇"], "鄞州区": ["首南街道", "姜山镇"]},
        ),
        "绍兴": ("0575", {"诸暨市": ["暨阳街道", "店口镇"], "柯桥区": ["柯桥街道", "钱清街道"]}),
        "嘉兴": ("0573", {"海宁市": ["海洲街道", "许村镇"], "桐乡市": ["梧桐街道", "乌镇镇"]}),
        "金华": ("0579", {"义乌市": ["稠城街道", "佛堂镇"]}),
    },
    "kam_gz": {
        "广州": (
            "020",
            {
                "番禺区": ["市桥街道", "大石街道", "南村镇"],
                "白云区": ["太和镇", "人和镇"],
                "花都区": ["新华街道", "狮岭镇"],
                "增城区": ["荔城街道", "新塘镇"],
                "从化区": ["街口街道"],
            },
        ),
        "佛山": ("0757", {"南海区": ["桂城街道", "大沥镇", "里水镇"], "顺德区": ["大良街道", "容桂街道", "乐从镇"]}),
        "清远": ("0763", {"清城区": ["凤城街道", "源潭镇"], "英德市": ["英城街道"]}),
        "肇庆": ("0758", {"端州区": ["城东街道"], "四会市": ["东城街道"]}),
        "江门": ("0750", {"新会区": ["会城街道"], "台山市": ["台城街道"]}),
    },
    "kam_sz": {
        "深圳": (
            "0755",
            {
                "宝安区": ["西乡街道", "沙井街道", "松岗街道"],
                "龙岗区": ["布吉街道", "坂田街道", "横岗街道"],
                "龙华区": ["民治街道", "观澜街道"],
                "光明区": ["公明街道"],
            },
        ),
        "惠州": ("0752", {"惠阳区": ["淡水街道"], "博罗县": ["罗阳街道", "园洲镇"], "惠东县": ["平山街道"]}),
        "珠海": ("0756", {"香洲区": ["拱北街道", "前山街道"], "斗门区": ["井岸镇"]}),
        "河源": ("0762", {"源城区": ["上城街道"], "紫金县": ["紫城镇"]}),
    },
}
CODE_PREFIX = {"kam_sh": "SH", "kam_hz": "HZ", "kam_gz": "GZ", "kam_sz": "SZ"}
KAM_OWNED = {"kam_sh", "kam_gz"}  # these KAMs run one key distributor themselves
STREETS = [
    "人民路",
    "中山路",
    "解放路",
    "建设路",
    "工业路",
    "新华路",
    "商贸路",
    "物流园路",
    "长江路",
    "和平路",
    "迎宾大道",
    "环城东路",
    "兴业路",
    "文化路",
    "振兴路",
    "金港路",
]
TRADE_NAMES = [
    "鑫源",
    "恒丰",
    "金盛",
    "万通",
    "宏达",
    "瑞祥",
    "福满",
    "嘉禾",
    "德润",
    "百味",
    "顺和",
    "康源",
    "隆昌",
    "永泰",
    "华信",
    "盛世",
    "天和",
    "润丰",
    "广源",
    "佳益",
    "协力",
    "汇通",
    "东升",
    "新兴",
    "茂源",
    "聚鑫",
    "益民",
    "同兴",
    "长盛",
    "祥和",
    "嘉华",
    "诚信",
    "利民",
    "丰泽",
    "泰丰",
    "远航",
    "合众",
    "安泰",
    "兴隆",
    "宏图",
    "满福",
    "美佳",
    "家家乐",
    "佳禾",
    "锦程",
    "源丰",
    "正兴",
    "亿家",
    "众诚",
    "惠民",
    "裕丰",
    "恒昌",
    "德丰",
    "万家福",
    "鼎盛",
    "金龙",
    "华茂",
    "粤丰",
    "港隆",
    "南粤",
    "江南春",
    "东方明",
    "四季香",
    "好邻居",
    "百家汇",
    "星光",
    "大丰收",
    "悦来",
]
# line of business: (in the legal name, in the short name, categories dealt in)
BUSINESSES = [
    ("食品贸易", "食品", [BEVERAGES, SNACKS, DAIRY]),
    ("商贸", "商贸", [BEVERAGES, SNACKS, CONDIMENTS, HOUSEHOLD]),
    ("副食品批发", "副食", [SNACKS, CONDIMENTS, GRAIN_OIL]),
    ("酒业", "酒业", [LIQUOR, BEVERAGES]),
    ("粮油食品", "粮油", [GRAIN_OIL, CONDIMENTS]),
    ("日用百货", "百货", [HOUSEHOLD, SNACKS, BEVERAGES]),
    ("供应链管理", "供应链", [BEVERAGES, SNACKS, DAIRY, GRAIN_OIL, FROZEN]),
    ("冷链食品", "冷链", [FROZEN, DAIRY]),
    ("饮品", "饮品", [BEVERAGES, DAIRY]),
    ("连锁超市", "超市", [BEVERAGES, SNACKS, DAIRY, CONDIMENTS, GRAIN_OIL, HOUSEHOLD]),
]
# name, price per delivery (yuan, range), turnaround days (range), reliability choices
LOGISTICS = [
    ("顺丰速运", (480, 680), (1, 1), [Reliability.HIGH]),
    ("德邦物流", (320, 480), (1, 2), [Reliability.HIGH, Reliability.HIGH, Reliability.MEDIUM]),
    ("安能物流", (220, 340), (2, 3), [Reliability.MEDIUM, Reliability.MEDIUM, Reliability.HIGH]),
    ("中通快运", (200, 320), (2, 3), [Reliability.MEDIUM, Reliability.LOW]),
    ("壹米滴答", (180, 280), (2, 4), [Reliability.MEDIUM, Reliability.LOW]),
]
SURNAMES = {
    "王": "wang",
    "李": "li",
    "张": "zhang",
    "刘": "liu",
    "陈": "chen",
    "杨": "yang",
    "黄": "huang",
    "赵": "zhao",
    "吴": "wu",
    "周": "zhou",
    "徐": "xu",
    "孙": "sun",
    "马": "ma",
    "朱": "zhu",
    "胡": "hu",
    "郭": "guo",
    "何": "he",
    "林": "lin",
    "罗": "luo",
    "高": "gao",
    "郑": "zheng",
    "梁": "liang",
    "谢": "xie",
    "宋": "song",
    "唐": "tang",
    "韩": "han",
    "冯": "feng",
    "邓": "deng",
    "曹": "cao",
    "彭": "peng",
    "曾": "zeng",
    "肖": "xiao",
    "潘": "pan",
    "蔡": "cai",
    "蒋": "jiang",
    "叶": "ye",
    "程": "cheng",
    "魏": "wei",
    "苏": "su",
    "沈": "shen",
}
GIVEN_NAMES = [
    "建国",
    "志强",
    "海燕",
    "国庆",
    "丽华",
    "文斌",
    "晓东",
    "春梅",
    "永刚",
    "秀英",
    "德明",
    "婷婷",
    "俊杰",
    "雪梅",
    "红军",
    "伟东",
    "小兰",
    "家豪",
    "嘉欣",
    "宏伟",
    "美玲",
    "振华",
    "桂芳",
    "立新",
    "玉兰",
    "卫东",
    "佳琪",
    "志明",
    "晓峰",
    "金凤",
    "国栋",
    "淑珍",
]
BOSS_POSITIONS = ["总经理", "总经理", "董事长", "老板"]
STAFF_POSITIONS = ["采购经理", "财务主管", "仓储主管", "销售经理", "副总经理", "运营经理"]
FAMILIES = [
    "已婚，一儿一女，儿子在读大学",
    "已婚，女儿在读高中，明年高考",
    "已婚，孩子刚上小学，周末常陪孩子上兴趣班",
    "已婚，与父母同住，很孝顺",
    "已婚，爱人是中学老师",
    "未婚",
]
HOBBIES = [
    "钓鱼、喝茶",
    "打羽毛球，每周三晚上固定打球",
    "高尔夫",
    "爬山、摄影",
    "收藏普洱茶",
    "下象棋",
    "跑步，跑过半程马拉松",
    "书法",
    "自驾游",
]
PERSONALITIES = [
    "做事果断，重视数据，不喜欢绕弯子",
    "为人爽快，讲义气，看重长期关系",
    "谨慎细致，决策慢，需要多次沟通",
    "精明务实，对价格和返利很敏感",
    "性格温和，愿意尝试新品",
    "强势，喜欢主导谈判节奏",
]
CONTACT_NOTES = [
    "不喝酒，应酬以喝茶为宜",
    "周一上午开例会，不要安排拜访",
    "对账、账期问题直接找本人",
    "习惯用微信语音沟通",
    "春节前要提前确认备货计划",
]
ASSESSMENTS = {
    Status.KEY: [
        "区域内渠道覆盖最广的合作伙伴，回款及时，新品推广配合积极。",
        "管理团队专业，仓储配送能力强，是我们在{city}的核心分销商。",
        "与我方合作多年，双方高层互访频繁，可作为新品首发渠道。",
    ],
    Status.QUALIFIED: [
        "经营稳定，回款基本按期，{county}以外的终端覆盖还有提升空间。",
        "合作意愿强，但资金周转偏紧，需关注账期。",
        "销量平稳，陈列执行一般，需要业务员多跟进门店。",
        "团队年轻、肯干，社区团购渠道增长快。",
    ],
    Status.UNQUALIFIED: [
        "销量连续两个季度下滑，回款经常逾期，需制定整改计划。",
        "同时代理多个竞品，对我方品牌投入不足。",
        "仓储条件差，临期品比例偏高。",
    ],
    Status.INTENT_NEAR: [
        "已完成两轮洽谈，对我方饮料和休闲食品系列兴趣较大，预计本季度签约。",
        "老板认可我方品牌，正在核算首批进货资金，下月再谈。",
    ],
    Status.INTENT_LONG: [
        "规模不小，但与竞品的代理合同明年到期，保持联系。",
        "目前以白酒为主，有意拓展食品品类，时机尚不成熟。",
    ],
    Status.POTENTIAL: [
        "经同行介绍，尚未正式拜访；网点集中在{county}，值得开发。",
        "展会上交换过名片，初步了解其渠道情况。",
    ],
    Status.TERMINATED: ["已终止合作，剩余应收款由财务跟进。"],
}
TERMINATIONS = [
    ("多次逾期回款，经区域经理批准停止供货", date(2025, 6, 30)),
    ("转做竞品独家代理，双方协商终止合作", date(2026, 3, 31)),
]
COMPLAINTS = {
    Complaint.Kind.PRODUCT_QUALITY: [
        ("一批{product}到货时临近保质期（剩余不足三分之一），要求退换货。", "已安排换货，并要求仓库执行先进先出。"),
        ("{product}外箱破损率偏高，终端退货增多。", "更换加厚外箱，本批破损部分按发货价补偿。"),
        ("客户反映{product}口味与上一批次不一致。", "经质检复核属正常批次差异，已向客户说明并赠送试吃装。"),
    ],
    Complaint.Kind.CONTRACT: [
        ("对上季度返利核算有异议，认为少计了 2% 的进货返利。", "与财务重新核对，补发返利 1.2 万元。"),
        ("要求把账期从 30 天延长到 60 天，否则减少进货。", "经审批延长至 45 天，信用额度不变。"),
    ],
    Complaint.Kind.TRANSPORT: [
        ("{logistics}配送延误 3 天，导致节前断货。", "向物流方索赔，并调整为节前提前一周发货。"),
        ("到货数量与发货单不符，短少 5 箱{product}。", "核实为装车漏装，已补发。"),
    ],
    Complaint.Kind.SERVICE: [
        ("业务员拜访频率下降，新品陈列没人跟进。", "调整拜访计划为每周一次，KAM 陪访一次。"),
        ("促销物料迟迟未到，影响门店周末活动。", "物料加急补寄，活动顺延一周。"),
    ],
}
MALICIOUS_COMPLAINT = (
    "以产品质量为由要求整批退货，经检验同批次产品合格，疑为压价手段。",
    "第三方检测合格，驳回退货要求，维持原合同价格。",
)
SUGGESTIONS = [
    ("希望增加{product}的小规格包装，方便社区小店铺货。", "已反馈产品部，计划明年一季度上市。"),
    ("建议旺季前提前备货，并给予节日堆头费用支持。", "中秋、春节档期给予堆头费用补贴。"),
    ("希望开通线上订货系统，减少电话下单出错。", "订货小程序正在开发，明年上线后优先开通。"),
    ("建议把送货时间调整到上午 10 点前，避开门店高峰。", "与物流商协调后已调整。"),
    ("希望公司安排终端促销员培训。", "区域每季度组织一次培训，已邀请参加。"),
    ("建议{product}出组合装，方便做节日礼盒。", "成本测算后暂不考虑，改为提供礼盒包装物料。"),
    ("希望对账单每月 5 日前发出，方便财务入账。", "财务已按月 3 日前发送对账单。"),
]


@dataclass
class ContactSpec:
    name: str
    fields: dict


@dataclass
class CardSpec:
    code: str
    owner: str  # username
    kam: str  # username of the owner's team's KAM
    fields: dict
    categories: list[str]
    brands: list[tuple[str, Decimal]]
    contacts: list[ContactSpec] = field(default_factory=list)
    complaints: list[dict] = field(default_factory=list)  # natural key: kind, received_on
    suggestions: list[dict] = field(default_factory=list)  # natural key: received_on


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}"


def _between(rng: random.Random, low: int, high: int, step: int) -> int:
    return rng.randint(low // step, high // step) * step


# status -> tier and how many cards have it (KAM-owned cards come first and are key / A): 6 A, 16 B, 38 C.
STATUS_MIX = (
    [(Status.KEY, Tier.A)] * 4
    + [(Status.KEY, Tier.B)] * 2
    + [(Status.QUALIFIED, Tier.B)] * 14
    + [(Status.QUALIFIED, Tier.C)] * 10
    + [(Status.UNQUALIFIED, Tier.C)] * 6
    + [(Status.INTENT_NEAR, Tier.C)] * 7
    + [(Status.INTENT_LONG, Tier.C)] * 5
    + [(Status.POTENTIAL, Tier.C)] * 8
    + [(Status.TERMINATED, Tier.C)] * 2
)
A, M, L = Attractiveness.VERY, Attractiveness.MEDIUM, Attractiveness.LOW
RS, RT = RelationshipStage, RelationshipType
# (status, tier) -> attractiveness, relationship stage, relationship type choices (repeats weigh)
EVALUATION = {
    (Status.KEY, Tier.A): (
        [A, A, A, M],
        [RS.VERY_STRONG, RS.VERY_STRONG, RS.GOOD, RS.DEFENSIVE],
        [RT.STRATEGIC_ALLIANCE, RT.PARTNERSHIP],
    ),
    (Status.KEY, Tier.B): ([A, M], [RS.GOOD, RS.VERY_STRONG, RS.DEFENSIVE], [RT.PARTNERSHIP, RT.PREFERRED_SUPPLIER]),
    (Status.QUALIFIED, Tier.B): (
        [A, M, M],
        [RS.GOOD, RS.GOOD, RS.DEVELOPING, RS.DEFENSIVE, RS.LIMITED],
        [RT.PREFERRED_SUPPLIER, RT.PREFERRED_SUPPLIER, RT.PARTNERSHIP],
    ),
    (Status.QUALIFIED, Tier.C): (
        [M, M, L, A],
        [RS.GOOD, RS.DEVELOPING, RS.LIMITED, RS.DECLINING],
        [RT.TRANSACTIONAL, RT.TRANSACTIONAL, RT.PREFERRED_SUPPLIER],
    ),
    (Status.UNQUALIFIED, Tier.C): ([L, L, M], [RS.DECLINING, RS.LIMITED, RS.DEFENSIVE], [RT.TRANSACTIONAL]),
    (Status.INTENT_NEAR, Tier.C): ([A, M, M], [RS.DEVELOPING], [RT.TRANSACTIONAL]),
    (Status.INTENT_LONG, Tier.C): ([A, M, L], [RS.DEVELOPING, RS.LIMITED], [RT.TRANSACTIONAL]),
    (Status.POTENTIAL, Tier.C): ([A, M, L], [RS.DEVELOPING, RS.LIMITED], [RT.TRANSACTIONAL]),
    (Status.TERMINATED, Tier.C): ([L], [RS.DECLINING], [RT.TRANSACTIONAL]),
}
# (status, tier) -> annual turnover range in yuan
TURNOVER = {
    (Status.KEY, Tier.A): (80_000_000, 300_000_000),
    (Status.KEY, Tier.B): (30_000_000, 80_000_000),
    (Status.QUALIFIED, Tier.B): (20_000_000, 60_000_000),
    (Status.QUALIFIED, Tier.C): (5_000_000, 25_000_000),
    (Status.UNQUALIFIED, Tier.C): (2_000_000, 10_000_000),
    (Status.INTENT_NEAR, Tier.C): (5_000_000, 60_000_000),
    (Status.INTENT_LONG, Tier.C): (10_000_000, 120_000_000),
    (Status.POTENTIAL, Tier.C): (3_000_000, 50_000_000),
    (Status.TERMINATED, Tier.C): (3_000_000, 15_000_000),
}
EXISTING = (Status.KEY, Status.QUALIFIED, Status.UNQUALIFIED)


def _owners(rng: random.Random) -> list[tuple[str, str, str]]:
    """(KAM, owner, team's code prefix) for every card: 15 per team, 4-5 per rep, one card for two of the KAMs."""
    owners = []
    for teams in REGIONS.values():
        for kam, _kam_name, reps in teams.values():
            team = [kam] if kam in KAM_OWNED else []
            for index, rep in enumerate(reps):
                team += [rep] * (4 if kam in KAM_OWNED and index == len(reps) - 1 else 5)
            rng.shuffle(team)
            owners += [(kam, owner, CODE_PREFIX[kam]) for owner in team]
    return owners


def build() -> list[CardSpec]:
    """The demo cards, drawn from a fixed random seed: the same list on every machine and every run."""
    rng = random.Random(SEED)
    owners = _owners(rng)
    mix = STATUS_MIX[:]
    rng.shuffle(mix)
    trade_names = rng.sample(TRADE_NAMES, len(owners))
    terminations = iter(TERMINATIONS)
    numbers: dict[str, int] = {}
    cards = []
    for (kam, owner, prefix), trade_name in zip(owners, trade_names, strict=True):
        status, tier = (Status.KEY, Tier.A) if owner == kam else mix.pop()
        numbers[prefix] = numbers.get(prefix, 0) + 1
        code = f"{prefix}-{numbers[prefix]:04d}"
        cards.append(_card(rng, code, kam, owner, trade_name, status, tier, terminations))
    _add_complaints(rng, cards)
    _add_suggestions(rng, cards)
    return cards


# City centres (latitude, longitude): a card sits within a few kilometres of its city's centre.
CITY_CENTRES = {
    "上海": (31.2304, 121.4737),
    "苏州": (31.2990, 120.5853),
    "无锡": (31.4912, 120.3119),
    "南通": (31.9802, 120.8943),
    "杭州": (30.2741, 120.1551),
    "宁波": (29.8683, 121.5440),
    "绍兴": (30.0303, 120.5802),
    "嘉兴": (30.7469, 120.7555),
    "金华": (29.0790, 119.6474),
    "广州": (23.1291, 113.2644),
    "佛山": (23.0215, 113.1214),
    "清远": (23.6820, 113.0560),
    "肇庆": (23.0472, 112.4651),
    "江门": (22.5787, 113.0819),
    "深圳": (22.5431, 114.0579),
    "惠州": (23.1115, 114.4152),
    "珠海": (22.2707, 113.5767),
    "河源": (23.7463, 114.7009),
}


def _coordinates(code: str, city: str) -> dict:
    """Real-looking coordinates in the card's city; their own random stream, so the rest of the demo is unchanged."""
    if city not in CITY_CENTRES:
        return {}
    geo = random.Random(f"geo-{code}")
    lat, lon = CITY_CENTRES[city]
    return {
        "latitude": Decimal(f"{lat + geo.uniform(-0.04, 0.04):.6f}"),
        "longitude": Decimal(f"{lon + geo.uniform(-0.05, 0.05):.6f}"),
    }


def _card(rng, code, kam, owner, trade_name, status, tier, terminations) -> CardSpec:
    cities = PLACES[kam]
    home, *others = cities
    city = home if rng.random() < 0.5 else rng.choice(others)
    area_code, counties = cities[city]
    county = rng.choice(list(counties))
    town = rng.choice(counties[county])
    business, short_business, categories = rng.choice(BUSINESSES)
    is_chain = business == "连锁超市"
    suffix = "股份有限公司" if tier == Tier.A and rng.random() < 0.5 else "有限公司"
    attractiveness, stage, relationship = (rng.choice(choices) for choices in EVALUATION[status, tier])
    turnover = _between(rng, *TURNOVER[status, tier], step=10_000)
    direct = rng.randint(8, 60) if is_chain else rng.choice([0, 0, 0, 1, 2, 3])
    franchised = rng.randint(0, 40) if is_chain else rng.choice([0, 0, 5, 10, 20])
    outlets = max(8, turnover // rng.randint(80_000, 250_000))
    logistics, price, days, reliabilities = rng.choice(LOGISTICS)
    fields = {
        "name": f"{city}{trade_name}{business}{suffix}",
        "short_name": f"{trade_name}{short_business}",
        "address": f"{city}市{county}{town}{rng.choice(STREETS)}{rng.randint(1, 888)}号",
        "city": city,
        "county": county,
        "town": town,
        "phone": f"{area_code}-{rng.randint(5, 8)}{rng.randint(0, 9_999_999):07d}",
        "founded_year": rng.randint(1993, 2021),
        "staff_size": max(8, min(600, turnover // rng.randint(400_000, 900_000))),
        "annual_turnover": cents(turnover),
        "direct_stores": direct,
        "direct_store_turnover": cents(turnover * rng.randint(20, 45) // 100) if direct else None,
        "franchised_stores": franchised,
        "franchised_store_turnover": cents(turnover * rng.randint(10, 25) // 100) if franchised else None,
        "counters": rng.choice([0, 0, 2, 5, 8, 12, 20]),
        "outlets_city": outlets * 45 // 100,
        "outlets_county": outlets * 35 // 100,
        "outlets_town": outlets - outlets * 45 // 100 - outlets * 35 // 100,
        "logistics_name": logistics,
        "logistics_address": f"{city}市{county}{logistics[:2]}营业部",
        **_coordinates(code, city),
        "logistics_contact": f"{rng.choice(list(SURNAMES))}经理 {_mobile(rng)}",
        "logistics_price": cents(_between(rng, *price, step=10)),
        "logistics_turnaround_days": rng.randint(*days),
        "logistics_reliability": rng.choice(reliabilities),
        "payment_terms_days": {Tier.A: 60, Tier.B: rng.choice([45, 45, 60])}.get(tier, rng.choice([30, 30, 45])),
        "credit_limit": cents(_credit_limit(rng, status, tier)),
        "status": status,
        "terminated_reason": "",
        "terminated_on": None,
        "tier": tier,
        "attractiveness": attractiveness,
        "relationship_stage": stage,
        "relationship_type": relationship,
        "assessment": rng.choice(ASSESSMENTS[status]).format(city=city, county=county),
    }
    if status == Status.TERMINATED:
        fields["terminated_reason"], fields["terminated_on"] = next(terminations)
    card = CardSpec(code, owner, kam, fields, categories, _brand_shares(rng, status, tier, categories))
    card.contacts = _contacts(rng, code, area_code, fields["phone"])
    return card


def _credit_limit(rng, status, tier) -> int:
    """Credit for customers only: by tier, a little (or cash on delivery) for unqualified ones."""
    if status == Status.UNQUALIFIED:
        return rng.choice([0, 50_000, 100_000])
    if status not in EXISTING:
        return 0
    if tier == Tier.A:
        return _between(rng, 2_000_000, 5_000_000, 100_000)
    if tier == Tier.B:
        return _between(rng, 500_000, 2_000_000, 50_000)
    return _between(rng, 100_000, 500_000, 10_000)


def _brand_shares(rng, status, tier, categories) -> list[tuple[str, Decimal]]:
    """Brands carried: customers carry ours (more the better the tier) and competitors'; others theirs only."""
    fits = [code for code, brand in BRANDS.items() if brand[3] & set(categories)]
    ours = [code for code in fits if code in OWN_BRANDS]
    theirs = [code for code in fits if code not in OWN_BRANDS]
    chosen = []
    if status in EXISTING and ours:
        budget = {Tier.A: (40, 65), Tier.B: (25, 45)}.get(tier, (8, 25))
        picked = rng.sample(ours, min(len(ours), rng.randint(1, 2)))
        total = rng.randint(*budget)
        first = total if len(picked) == 1 else total * rng.randint(55, 75) // 100
        chosen += [(picked[0], first)] + ([(picked[1], total - first)] if len(picked) > 1 else [])
    if theirs and not (status == Status.POTENTIAL and rng.random() < 0.3):
        for code in rng.sample(theirs, min(len(theirs), rng.randint(1, 2))):
            chosen.append((code, rng.randint(5, 30)))
    return [(code, Decimal(share).quantize(CENT)) for code, share in chosen]


def _contacts(rng, code, area_code, company_phone) -> list[ContactSpec]:
    contacts, used = [], set()
    for index in range(rng.choice([1, 2, 2, 3])):
        while True:
            surname = rng.choice(list(SURNAMES))
            name = surname + rng.choice(GIVEN_NAMES)
            if name not in used:
                used.add(name)
                break
        mobile = _mobile(rng)
        personal = rng.random() < (0.6 if index == 0 else 0.3)
        fields = {
            "position": rng.choice(BOSS_POSITIONS) if index == 0 else rng.choice(STAFF_POSITIONS),
            "is_primary": index == 0,
            "phone": company_phone if index == 0 else f"{area_code}-{rng.randint(5, 8)}{rng.randint(0, 9_999_999):07d}",
            "mobile": mobile,
            "email": f"{SURNAMES[surname]}.{code.lower()}@demo.kamcrm.local" if rng.random() < 0.4 else "",
            "wechat": mobile
            if rng.random() < 0.5
            else f"{SURNAMES[surname]}_{rng.randint(60, 99)}{rng.randint(1, 999)}",
            "birthday": date(rng.randint(1962, 1992), rng.randint(1, 12), rng.randint(1, 28)) if personal else None,
            "family": rng.choice(FAMILIES) if personal else "",
            "hobbies": rng.choice(HOBBIES) if personal else "",
            "personality": rng.choice(PERSONALITIES) if personal else "",
            "notes": rng.choice(CONTACT_NOTES) if rng.random() < 0.25 else "",
        }
        contacts.append(ContactSpec(name, fields))
    return contacts


def _product_for(rng, card: CardSpec) -> str:
    ours = [code for code, _share in card.brands if code in OWN_BRANDS] or OWN_BRANDS
    return rng.choice([name.split(" ")[0] for _sku, name, brand, *_rest in PRODUCTS if brand in ours])


def _add_complaints(rng, cards: list[CardSpec]) -> None:
    candidates = [card for card in cards if card.fields["status"] in (*EXISTING, Status.TERMINATED)]
    states = [Complaint.State.RESOLVED] * 6 + [Complaint.State.IN_PROGRESS] * 3 + [Complaint.State.OPEN] * 2
    kinds = list(COMPLAINTS)
    for index, card in enumerate(rng.sample(candidates, len(states) + 1)):
        received = date(2026, 1, 5) + timedelta(days=rng.randint(0, 300))
        if index == len(states):  # one malicious complaint, rejected
            kind, nature, state = Complaint.Kind.PRODUCT_QUALITY, Complaint.Nature.MALICIOUS, Complaint.State.REJECTED
            description, resolution = MALICIOUS_COMPLAINT
        else:
            kind, nature, state = kinds[index % len(kinds)], Complaint.Nature.GOOD_FAITH, states[index]
            description, resolution = rng.choice(COMPLAINTS[kind])
        closed = state in (Complaint.State.RESOLVED, Complaint.State.REJECTED)
        text = {"product": _product_for(rng, card), "logistics": card.fields["logistics_name"]}
        card.complaints.append(
            {
                "kind": kind,
                "received_on": received,
                "nature": nature,
                "description": description.format(**text),
                # contract complaints go to the KAM, the rest to the rep who owns the account
                "owner": card.kam if kind == Complaint.Kind.CONTRACT else card.owner,
                "status": state,
                "resolution": resolution.format(**text) if closed else "",
                "resolved_on": received + timedelta(days=rng.randint(3, 20)) if closed else None,
            }
        )


def _add_suggestions(rng, cards: list[CardSpec]) -> None:
    candidates = [card for card in cards if card.fields["status"] in (*EXISTING, Status.INTENT_NEAR)]
    states = [Suggestion.State.NEW] * 3 + [Suggestion.State.ACCEPTED] * 3 + [Suggestion.State.DONE] * 3
    states += [Suggestion.State.DECLINED]
    for card, state in zip(rng.sample(candidates, len(states)), states, strict=True):
        content, response = rng.choice(SUGGESTIONS)
        product = _product_for(rng, card)
        card.suggestions.append(
            {
                "received_on": date(2026, 1, 12) + timedelta(days=rng.randint(0, 290)),
                "content": content.format(product=product),
                "status": state,
                "response": "" if state == Suggestion.State.NEW else response.format(product=product),
            }
        )


# ---------------------------------------------------------------------------------------------------------------
# Writing: only what is missing or differs.


def _differs(obj, wanted: dict) -> bool:
    return any(getattr(obj, key) != value for key, value in wanted.items())


def _put(model, lookup: dict, wanted: dict):
    """Reference data: create, or restore the demo values; no save when nothing differs."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **wanted)
    if _differs(obj, wanted):
        for key, value in wanted.items():
            setattr(obj, key, value)
        obj.save()
    return obj


def _seed_reference() -> tuple[dict, dict]:
    categories = {name: ProductCategory.objects.get_or_create(name=name)[0] for name in CATEGORIES}
    brands = {
        code: _put(
            Brand,
            {"code": code},
            {"name": name, "manufacturer": maker, "is_own": own, "is_key": code in KEY_BRANDS, "is_active": True},
        )
        for code, (name, maker, own, _categories) in BRANDS.items()
    }
    for sku, name, brand, unit, price, cost in PRODUCTS:
        wanted = {
            "name": name,
            "brand_id": brands[brand].pk,
            "unit": unit,
            "unit_price": Decimal(price),
            "unit_cost": Decimal(cost),
            "is_active": True,
        }
        _put(Product, {"sku": sku}, wanted)
    return categories, brands


def _seed_card(spec: CardSpec, users: dict, categories: dict, brands: dict) -> Distributor:
    owner, kam = users[spec.owner], users[spec.kam]
    wanted = dict(spec.fields, owner_id=owner.pk)
    wanted_brands = [(brands[code], share) for code, share in spec.brands]
    wanted_categories = [categories[name] for name in spec.categories]
    card = Distributor.objects.filter(code=spec.code).first()
    if card is not None:
        have_brands = dict(DistributorBrand.objects.filter(distributor=card).values_list("brand_id", "share_pct"))
        have_categories = set(card.product_categories.values_list("pk", flat=True))
        if (
            not _differs(card, wanted)
            and have_brands == {brand.pk: share for brand, share in wanted_brands}
            and have_categories == {category.pk for category in wanted_categories}
        ):
            return card
    # The team's KAM keeps the card, as in real use; the admin restores a card someone moved out of the team.
    by = kam if card is None or services.can_edit(kam, card) else users["admin"]
    card = card or Distributor(code=spec.code)
    terms = {name: spec.fields[name] for name in services.CREDIT_TERMS}
    for key, value in spec.fields.items():
        if key not in terms:
            setattr(card, key, value)
    card.owner = owner
    card = services.save_distributor(distributor=card, by=by, brands=wanted_brands, categories=wanted_categories)
    if any(getattr(card, name) != value for name, value in terms.items()):  # credit terms are finance's
        card = services.set_credit_terms(distributor=card, by=users["admin"], **terms)
    return card


def _seed_contacts(spec: CardSpec, card: Distributor, by: User) -> None:
    existing = {contact.name: contact for contact in Contact.objects.filter(distributor=card)}
    for contact_spec in spec.contacts:  # the primary one first
        contact = existing.get(contact_spec.name)
        if contact is not None and not _differs(contact, contact_spec.fields):
            continue
        contact = contact or Contact(distributor=card, name=contact_spec.name)
        for key, value in contact_spec.fields.items():
            setattr(contact, key, value)
        services.save_contact(contact=contact, by=by)


def _seed_complaints(spec: CardSpec, card: Distributor, by: User, users: dict) -> None:
    for wanted in spec.complaints:
        wanted = dict(wanted, owner_id=users[wanted["owner"]].pk)
        del wanted["owner"]
        complaint = Complaint.objects.filter(
            distributor=card, kind=wanted["kind"], received_on=wanted["received_on"]
        ).first()
        if complaint is not None and not _differs(complaint, wanted):
            continue
        complaint = complaint or Complaint(distributor=card)
        for key, value in wanted.items():
            setattr(complaint, key, value)
        services.save_complaint(complaint=complaint, by=by)


def _seed_suggestions(spec: CardSpec, card: Distributor, by: User) -> None:
    for wanted in spec.suggestions:
        suggestion = Suggestion.objects.filter(distributor=card, received_on=wanted["received_on"]).first()
        if suggestion is not None and not _differs(suggestion, wanted):
            continue
        suggestion = suggestion or Suggestion(distributor=card)
        for key, value in wanted.items():
            setattr(suggestion, key, value)
        services.save_suggestion(suggestion=suggestion, by=by)


@transaction.atomic
def seed() -> None:
    """Create or restore the demo catalogue and ~60 customer cards of the demo org (run accounts_org first)."""
    categories, brands = _seed_reference()
    specs = build()
    usernames = {"admin"} | {spec.owner for spec in specs} | {spec.kam for spec in specs}
    users = {user.username: user for user in User.objects.filter(username__in=usernames)}
    for spec in specs:
        card = _seed_card(spec, users, categories, brands)
        owner = users[spec.owner]  # the owner works their own card: contacts, complaints, suggestions
        _seed_contacts(spec, card, owner)
        _seed_complaints(spec, card, owner, users)
        _seed_suggestions(spec, card, owner)
    _backdate_card_history()


def _backdate_card_history() -> None:
    """The demo's accounts are long-standing customers: their cards' creation (and with it the outlet network
    they brought) counts from two years back, not from the moment the seed ran, so the dashboards' outlet
    figures for past periods read as they would in a company that has used the app for a while."""
    two_years_ago = timezone.now() - timedelta(days=730)
    AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Distributor),
        action="distributor_created",
        at__gt=two_years_ago,
    ).update(at=two_years_ago)
