"""A realistic starting catalogue for a Chinese dealer group, and bays for a store.

`seed_group_defaults(group)` and `seed_store_bays(store)` are idempotent (what
exists, by code, is left alone) and use bulk_create, so the demo builder and
a new group's set-up can call them freely. They write no audit rows: they are
set-up, not a user's change.
"""

from decimal import Decimal as D

from django.db import transaction

from aftercare.core.models import DealerGroup, Store

from .choices import AnswerType, BayCapability, BillsTo, InspectionArea, Powertrain, SiteKind, SurveyDimension
from .models import (
    Bay,
    DiscountLevel,
    InspectionItem,
    KitItem,
    LabourOperation,
    LabourRate,
    OperationCategory,
    OtherCharge,
    PackageJob,
    PackageJobLine,
    Part,
    RepairType,
    SurveyQuestion,
    Van,
)

ICE, HEV, PHEV, BEV = Powertrain.ICE, Powertrain.HEV, Powertrain.PHEV, Powertrain.BEV
COMBUSTION = [ICE, HEV, PHEV]
PLUG_IN = [PHEV, BEV]

# code, name, bills to, hourly rate (CNY)
REPAIR_TYPES = [
    ("periodic", "定期保养", BillsTo.CUSTOMER, D("380.00")),
    ("general", "一般修理", BillsTo.CUSTOMER, D("420.00")),
    ("body_paint", "钣喷", BillsTo.CUSTOMER, D("450.00")),
    ("warranty", "保修", BillsTo.WARRANTY, D("400.00")),
    ("first_free", "首保", BillsTo.WARRANTY, D("400.00")),
    ("internal", "内部", BillsTo.INTERNAL, D("300.00")),
    ("rework", "返修", BillsTo.INTERNAL, D("300.00")),
]

CATEGORIES = [
    ("maintenance", "保养"),
    ("engine", "发动机"),
    ("brakes", "制动系统"),
    ("tyres", "轮胎与定位"),
    ("chassis", "底盘悬挂"),
    ("electrical", "电气"),
    ("ac", "空调"),
    ("body", "钣金"),
    ("paint", "喷漆"),
    ("ev", "新能源高压"),
]

# code, name, category, FRT hours, powertrains (empty = all), high voltage
OPERATIONS = [
    ("M001", "更换机油机滤", "maintenance", D("0.50"), COMBUSTION, False),
    ("M002", "更换空气滤清器", "maintenance", D("0.30"), COMBUSTION, False),
    ("M003", "更换空调滤清器", "maintenance", D("0.30"), [], False),
    ("M004", "更换火花塞", "maintenance", D("1.00"), COMBUSTION, False),
    ("M005", "更换制动液", "brakes", D("0.80"), [], False),
    ("M006", "更换自动变速箱油", "maintenance", D("0.80"), COMBUSTION, False),
    ("M007", "更换发动机冷却液", "maintenance", D("0.60"), COMBUSTION, False),
    ("M008", "更换燃油滤清器", "maintenance", D("0.50"), [ICE], False),
    ("M009", "常规保养检查", "maintenance", D("0.50"), [], False),
    ("T001", "四轮定位", "tyres", D("1.00"), [], False),
    ("T002", "轮胎换位", "tyres", D("0.40"), [], False),
    ("T003", "四轮动平衡", "tyres", D("0.60"), [], False),
    ("B001", "更换前刹车片", "brakes", D("1.20"), [], False),
    ("B002", "更换后刹车片", "brakes", D("1.20"), [], False),
    ("B003", "更换前刹车盘", "brakes", D("1.80"), [], False),
    ("E001", "更换12V蓄电池", "electrical", D("0.30"), [], False),
    ("E002", "电脑诊断检测", "electrical", D("0.50"), [], False),
    ("A001", "空调系统清洗", "ac", D("0.80"), [], False),
    ("A002", "空调加注制冷剂", "ac", D("0.60"), [], False),
    ("C001", "更换前减震器（单侧）", "chassis", D("1.50"), [], False),
    ("G001", "发动机积碳清洗", "engine", D("1.00"), COMBUSTION, False),
    ("V001", "动力电池包检测", "ev", D("1.50"), PLUG_IN, True),
    ("V002", "高压系统绝缘检测", "ev", D("1.00"), [HEV, PHEV, BEV], True),
    ("V003", "更换动力电池冷却液", "ev", D("1.20"), PLUG_IN, True),
    ("V004", "驱动电机检查", "ev", D("1.00"), [BEV], True),
    ("V005", "充电口及车载充电机检测", "ev", D("0.80"), PLUG_IN, True),
    ("S001", "前保险杠钣金修复", "body", D("2.50"), [], False),
    ("P001", "前保险杠喷漆", "paint", D("3.00"), [], False),
]

# Work at the customer's address (docs/DOMAIN.md §17.9): code, name, category, FRT hours, powertrains,
# high voltage, site kind. The wall-box and charger work is on the charging equipment's power circuit:
# it counts as high-voltage work, so only a certified technician is sent.
SITE_OPERATIONS = [
    ("H001", "上门检测保养", "ev", D("1.00"), PLUG_IN, False, SiteKind.HOME),
    ("H002", "上门动力电池检测", "ev", D("1.50"), PLUG_IN, True, SiteKind.HOME),
    ("W001", "充电桩安装现场勘测", "ev", D("0.50"), PLUG_IN, False, SiteKind.WALLBOX),
    ("W002", "家用充电桩安装", "ev", D("2.50"), PLUG_IN, True, SiteKind.WALLBOX),
    ("W003", "充电桩维修", "ev", D("1.00"), PLUG_IN, True, SiteKind.CHARGER_REPAIR),
]

# The van's kit per kind of site work: code, name, site kind, quantity.
KIT_ITEMS = [
    ("K-HOME-DIAG", "诊断仪", SiteKind.HOME, 1),
    ("K-HOME-GLOVES", "高压绝缘手套", SiteKind.HOME, 2),
    ("K-HOME-TYRE", "胎压计及补胎工具", SiteKind.HOME, 1),
    ("K-HOME-FILTER", "空调滤清器", SiteKind.HOME, 1),
    ("K-HOME-COVERS", "三件套（座椅、方向盘、脚垫护套）", SiteKind.HOME, 1),
    ("K-WB-BOX", "交流充电桩（7 kW）", SiteKind.WALLBOX, 1),
    ("K-WB-CABLE", "电缆 YJV 3×6 mm²（50 m）", SiteKind.WALLBOX, 1),
    ("K-WB-BREAKER", "漏电保护断路器", SiteKind.WALLBOX, 1),
    ("K-WB-DRILL", "电锤及膨胀螺栓", SiteKind.WALLBOX, 1),
    ("K-WB-METER", "绝缘电阻测试仪", SiteKind.WALLBOX, 1),
    ("K-WB-GLOVES", "绝缘手套", SiteKind.WALLBOX, 2),
    ("K-CR-METER", "万用表及绝缘电阻测试仪", SiteKind.CHARGER_REPAIR, 1),
    ("K-CR-PARTS", "充电枪、控制板备件", SiteKind.CHARGER_REPAIR, 1),
    ("K-CR-GLOVES", "绝缘手套", SiteKind.CHARGER_REPAIR, 2),
]

# part number, name, brand, OEM, unit price (CNY)
PARTS = [
    ("08232-P99-D4LW4", "机油 0W-20 4L", "本田", True, D("368.00")),
    ("15400-RTA-003", "机油滤清器", "本田", True, D("45.00")),
    ("94109-14000", "放油螺栓垫片", "本田", True, D("3.00")),
    ("17220-5PA-A00", "空气滤清器", "本田", True, D("128.00")),
    ("80292-TBA-H11", "空调滤清器", "本田", True, D("98.00")),
    ("12290-5A2-A01", "火花塞", "本田", True, D("95.00")),
    ("08798-9108", "制动液 DOT4 0.5L", "本田", True, D("68.00")),
    ("08200-9008", "自动变速箱油 ATF DW-1 4L", "本田", True, D("320.00")),
    ("08CLA-G01-8M1", "长效冷却液 4L", "本田", True, D("150.00")),
    ("16010-ST5-E02", "燃油滤清器", "本田", True, D("260.00")),
    ("45022-TBA-A01", "前刹车片（套）", "本田", True, D("680.00")),
    ("43022-TBA-A01", "后刹车片（套）", "本田", True, D("520.00")),
    ("45251-TBA-A01", "前刹车盘", "本田", True, D("690.00")),
    ("31500-T2A-A01", "12V蓄电池 65D23L", "本田", True, D("780.00")),
    ("76620-TBA-A01", "雨刮片（驾驶侧）", "本田", True, D("168.00")),
    ("51610-TBA-A01", "前减震器", "本田", True, D("1280.00")),
    ("08CHA-R13-4A0", "空调制冷剂 R134a（瓶）", "本田", True, D("120.00")),
    ("1J511-3A0-000", "动力电池冷却液 4L", "本田", True, D("260.00")),
    ("0986AF0051", "机油滤清器（副厂）", "博世", False, D("32.00")),
    ("M1-0W20-4L", "美孚1号 0W-20 4L", "美孚", False, D("298.00")),
    ("MI-215-55R17", "轮胎 215/55R17", "米其林", False, D("890.00")),
]

# code, name, repair type, [(operation code or part number, quantity)]
PACKAGES = [
    (
        "PKG-5K",
        "5,000公里保养",
        "periodic",
        [("M001", 1), ("M009", 1), ("08232-P99-D4LW4", 1), ("15400-RTA-003", 1), ("94109-14000", 1)],
    ),
    (
        "PKG-10K",
        "10,000公里保养",
        "periodic",
        [
            ("M001", 1),
            ("M002", 1),
            ("M003", 1),
            ("M009", 1),
            ("08232-P99-D4LW4", 1),
            ("15400-RTA-003", 1),
            ("94109-14000", 1),
            ("17220-5PA-A00", 1),
            ("80292-TBA-H11", 1),
        ],
    ),
    (
        "PKG-20K",
        "20,000公里保养",
        "periodic",
        [
            ("M001", 1),
            ("M002", 1),
            ("M003", 1),
            ("M005", 1),
            ("M009", 1),
            ("T002", 1),
            ("08232-P99-D4LW4", 1),
            ("15400-RTA-003", 1),
            ("94109-14000", 1),
            ("17220-5PA-A00", 1),
            ("80292-TBA-H11", 1),
            ("08798-9108", 2),
        ],
    ),
    (
        "PKG-EV",
        "新能源车年度检查",
        "periodic",
        [("V001", 1), ("V002", 1), ("M003", 1), ("E002", 1), ("T002", 1), ("80292-TBA-H11", 1)],
    ),
    (
        "PKG-EV-2Y",
        "新能源车两年保养（电池冷却液、制动液）",
        "periodic",
        [
            ("V001", 1),
            ("V003", 1),
            ("M005", 1),
            ("M003", 1),
            ("T002", 1),
            ("1J511-3A0-000", 1),
            ("08798-9108", 2),
            ("80292-TBA-H11", 1),
        ],
    ),
    ("PKG-HEV", "混合动力系统年度检查", "periodic", [("V002", 1), ("E002", 1)]),
]

# The maintenance schedule per powertrain (docs/DOMAIN.md §17.1): package code -> (powertrains, every km, months).
# A BEV's schedule has no oil service; a PHEV follows both the combustion and the plug-in schedule.
SCHEDULE = {
    "PKG-5K": (COMBUSTION, 5_000, 6),
    "PKG-10K": (COMBUSTION, 10_000, 12),
    "PKG-20K": (COMBUSTION, 20_000, 24),
    "PKG-EV": (PLUG_IN, 20_000, 12),
    "PKG-EV-2Y": (PLUG_IN, 40_000, 24),
    "PKG-HEV": ([HEV], 20_000, 12),
}

OTHER_CHARGES = [
    ("WASH", "洗车费", D("30.00")),
    ("TOW", "拖车费", D("200.00")),
    ("MAT", "材料费", D("50.00")),
    ("WASTE", "废油处理费", D("20.00")),
]

# code, name, area, powertrains (empty = all)
INSPECTION_ITEMS = [
    ("tyre_tread", "轮胎花纹深度", InspectionArea.TYRES_BRAKES, []),
    ("tyre_pressure", "轮胎气压", InspectionArea.TYRES_BRAKES, []),
    ("brake_pads", "刹车片厚度", InspectionArea.TYRES_BRAKES, []),
    ("brake_fluid", "制动液液位", InspectionArea.ENGINE_BAY, []),
    ("lights", "灯光", InspectionArea.EXTERIOR, []),
    ("wipers", "雨刮", InspectionArea.EXTERIOR, []),
    ("body_damage", "车身外观损伤", InspectionArea.EXTERIOR, []),
    ("battery_12v", "蓄电池", InspectionArea.ELECTRICAL, []),
    ("horn", "喇叭", InspectionArea.ELECTRICAL, []),
    ("engine_oil", "机油液位及油质", InspectionArea.ENGINE_BAY, COMBUSTION),
    ("coolant", "冷却液液位", InspectionArea.ENGINE_BAY, []),
    ("drive_belt", "传动皮带", InspectionArea.ENGINE_BAY, COMBUSTION),
    ("underbody_leaks", "底盘渗漏", InspectionArea.CHASSIS, []),
    ("suspension", "悬挂及球头", InspectionArea.CHASSIS, []),
    ("exhaust", "排气系统", InspectionArea.CHASSIS, COMBUSTION),
    ("air_con", "空调制冷效果", InspectionArea.INTERIOR, []),
    ("hv_insulation", "高压线束绝缘", InspectionArea.HIGH_VOLTAGE, [HEV, PHEV, BEV]),
    ("hv_battery", "动力电池外观及密封", InspectionArea.HIGH_VOLTAGE, PLUG_IN),
    ("charge_port", "充电口", InspectionArea.HIGH_VOLTAGE, PLUG_IN),
]

# code, question, dimension, answer type
SURVEY_QUESTIONS = [
    ("Q01", "您到店后，服务顾问是否及时接待了您？", SurveyDimension.RESPONSE_SPEED, AnswerType.SCORE),
    ("Q02", "车辆的问题是否一次修好？", SurveyDimension.REPAIR_QUALITY, AnswerType.YES_NO),
    ("Q03", "所需零件是否及时到货？", SurveyDimension.PARTS_SUPPLY, AnswerType.SCORE),
    ("Q04", "服务顾问对维修项目和费用的解释是否清楚？", SurveyDimension.CONSULTING, AnswerType.SCORE),
    ("Q05", "您对客户休息区的环境是否满意？", SurveyDimension.ENVIRONMENT, AnswerType.SCORE),
    ("Q06", "您对员工的服务态度是否满意？", SurveyDimension.STAFF, AnswerType.SCORE),
    ("Q07", "交车时间是否符合承诺？", SurveyDimension.WAITING_TIME, AnswerType.YES_NO),
    ("Q08", "结算费用与估价是否一致、明细是否清楚？", SurveyDimension.PRICE_TRANSPARENCY, AnswerType.SCORE),
    ("Q09", "您还有什么意见或建议？", SurveyDimension.STAFF, AnswerType.TEXT),
]

# The electric-vehicle survey's own questions, on the five dimensions of seed 002 §5.3
# (docs/DOMAIN.md §17.10): code, question, dimension, answer.
R, Q, P_, C, E = (
    SurveyDimension.RESPONSE_SPEED, SurveyDimension.REPAIR_QUALITY, SurveyDimension.PARTS_SUPPLY,
    SurveyDimension.CONSULTING, SurveyDimension.ENVIRONMENT,
)  # fmt: skip
EV_SURVEY_QUESTIONS = [
    ("EV01", "报修、咨询或上门服务的响应是否及时？", R, AnswerType.SCORE),
    ("EV02", "技术人员对电池、电机等高压系统的专业水平和维修效率如何？", Q, AnswerType.SCORE),
    ("EV03", "电池、电机等核心配件的供应是否及时、质量和价格是否满意？", P_, AnswerType.SCORE),
    ("EV04", "充电、电池保养和用车指导是否专业、清楚？", C, AnswerType.SCORE),
    ("EV05", "服务现场（门店或上门现场）的环境和设施是否整洁、舒适？", E, AnswerType.SCORE),
]

# code, name, labour %, parts %
DISCOUNT_LEVELS = [
    ("STD", "标准", D("0"), D("0")),
    ("SILVER", "银卡", D("5"), D("5")),
    ("GOLD", "金卡", D("10"), D("8")),
    ("VIC", "VIC", D("15"), D("10")),
]

L, A, P, EV = BayCapability.LIFT, BayCapability.ALIGNMENT, BayCapability.PAINT_BOOTH, BayCapability.EV_HIGH_VOLTAGE
BAYS = [
    ("B01", "快修工位1", [L]),
    ("B02", "快修工位2", [L]),
    ("B03", "机修工位1", [L]),
    ("B04", "机修工位2", [L]),
    ("B05", "四轮定位工位", [L, A]),
    ("B06", "新能源高压工位", [L, EV]),
    ("B07", "钣金工位", []),
    ("B08", "烤漆房", [P]),
]

# A store's service vans for home and mobile work: code, name.
VANS = [("V01", "上门服务车1"), ("V02", "上门服务车2")]


def _create_missing(model, group: DealerGroup, rows: list) -> dict:
    """bulk_create the group defaults whose key is not there yet; {key: row} of all."""
    key = model.key_lookup
    existing = set(model.objects.group_defaults(group).values_list(key, flat=True))
    model.objects.bulk_create([row for row in rows if row.key not in existing], batch_size=500)
    return {row.key: row for row in model.objects.group_defaults(group)}


def seed_group_defaults(group: DealerGroup) -> None:
    """Give `group` the default catalogue every one of its stores starts from."""
    g = {"group": group, "store": None}
    with transaction.atomic():
        types = _create_missing(
            RepairType,
            group,
            [RepairType(code=c, name=n, bills_to=b, is_system=True, **g) for c, n, b, _r in REPAIR_TYPES],
        )
        existing_rates = set(LabourRate.objects.group_defaults(group).values_list("repair_type__code", flat=True))
        LabourRate.objects.bulk_create(
            [
                LabourRate(repair_type=types[code], hourly_rate=rate, **g)
                for code, _n, _b, rate in REPAIR_TYPES
                if code not in existing_rates
            ]
        )
        categories = _create_missing(
            OperationCategory, group, [OperationCategory(code=c, name=n, **g) for c, n in CATEGORIES]
        )
        operations = _create_missing(
            LabourOperation,
            group,
            [
                LabourOperation(
                    code=c, name=n, category=categories[cat], frt_hours=h, powertrains=list(pt), high_voltage=hv, **g
                )
                for c, n, cat, h, pt, hv in OPERATIONS
            ]
            + [
                LabourOperation(
                    code=c,
                    name=n,
                    category=categories[cat],
                    frt_hours=h,
                    powertrains=list(pt),
                    high_voltage=hv,
                    site_kind=kind,
                    **g,
                )
                for c, n, cat, h, pt, hv, kind in SITE_OPERATIONS
            ],
        )
        _create_missing(
            KitItem,
            group,
            [
                KitItem(code=c, name=n, site_kind=kind, quantity=q, sort_order=(i + 1) * 10, **g)
                for i, (c, n, kind, q) in enumerate(KIT_ITEMS)
            ],
        )
        parts = _create_missing(
            Part,
            group,
            [Part(part_no=no, name=n, brand=b, is_oem=oem, unit_price=p, **g) for no, n, b, oem, p in PARTS],
        )
        existing_packages = set(PackageJob.objects.group_defaults(group).values_list("code", flat=True))
        packages = _create_missing(
            PackageJob,
            group,
            [PackageJob(code=c, name=n, repair_type=types[t], **_schedule(c), **g) for c, n, t, _l in PACKAGES],
        )
        PackageJobLine.objects.bulk_create(
            [
                PackageJobLine(
                    package=packages[code],
                    operation=operations.get(item),
                    part=None if item in operations else parts[item],
                    quantity=D(quantity),
                    sort_order=index,
                )
                for code, _n, _t, lines in PACKAGES
                if code not in existing_packages
                for index, (item, quantity) in enumerate(lines)
            ]
        )
        _create_missing(
            OtherCharge, group, [OtherCharge(code=c, name=n, default_amount=a, **g) for c, n, a in OTHER_CHARGES]
        )
        _create_missing(
            InspectionItem,
            group,
            [
                InspectionItem(code=c, name=n, area=area, powertrains=list(pt), sort_order=(i + 1) * 10, **g)
                for i, (c, n, area, pt) in enumerate(INSPECTION_ITEMS)
            ],
        )
        _create_missing(
            SurveyQuestion,
            group,
            [
                SurveyQuestion(code=c, text=t, dimension=d, answer_type=a, sort_order=(i + 1) * 10, **g)
                for i, (c, t, d, a) in enumerate(SURVEY_QUESTIONS)
            ]
            + [
                SurveyQuestion(code=c, text=t, dimension=d, answer_type=a, for_ev=True, sort_order=(i + 1) * 10, **g)
                for i, (c, t, d, a) in enumerate(EV_SURVEY_QUESTIONS)
            ],
        )
        _create_missing(
            DiscountLevel,
            group,
            [
                DiscountLevel(code=c, name=n, labour_discount_pct=lp, parts_discount_pct=pp, **g)
                for c, n, lp, pp in DISCOUNT_LEVELS
            ],
        )


def seed_store_bays(store: Store) -> None:
    """Give `store` its workshop bays: lifts, an alignment bay, an EV high-voltage bay
    and a paint booth; and its two service vans for site work."""
    existing = set(Bay.objects.filter(store=store).values_list("code", flat=True))
    Bay.objects.bulk_create(
        [
            Bay(store=store, code=code, name=name, capabilities=list(caps))
            for code, name, caps in BAYS
            if code not in existing
        ]
    )
    existing_vans = set(Van.objects.filter(store=store).values_list("code", flat=True))
    Van.objects.bulk_create(
        [Van(store=store, code=code, name=name) for code, name in VANS if code not in existing_vans]
    )


def _schedule(code: str) -> dict:
    powertrains, km, months = SCHEDULE.get(code, ([], None, None))
    return {"powertrains": list(powertrains), "interval_km": km, "interval_months": months}
