"""Realistic Chinese demo data, deterministic for a given random.Random.

The same generators build the small demo and the benchmark-sized databases,
so keep them fast (no database access here) and free of global state.
"""

import random
import string

from aftercare.core.vin import VIN_ALPHABET, with_check_digit

# The most common surnames, roughly in order of frequency, so that surname
# searches return realistic result sizes (王 and 李 are each ~7 % of people).
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛")
GIVEN_CHARS = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉梅文辉鹏飞宇轩浩然子涵欣怡梓萱雨桐"
    "俊杰思远晨曦嘉怡佳琪一鸣天佑博文雅婷海燕春生建华小龙丹丹晓东立新永强国庆家豪慧敏"
)
PROVINCE_PLATES = "粤京沪津渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵青藏川宁琼"
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O on plates
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155", "156",
    "157", "158", "159", "166", "170", "176", "177", "180", "181", "182", "183", "185", "186", "187", "188",
    "189", "191", "195", "198", "199",
)  # fmt: skip

# (brand, model, trims, powertrain, WMI) — common models at a Guangzhou 4S store.
MODELS = (
    ("广汽本田", "雅阁", ("260TURBO 舒适版", "锐·混动 2.0L 智享版"), "ICE", "LHG"),
    ("广汽本田", "凌派", ("180TURBO CVT 舒适版",), "ICE", "LHG"),
    ("广汽本田", "皓影", ("240TURBO 两驱豪华版", "e:PHEV 尊贵版"), "PHEV", "LHG"),
    ("广汽本田", "型格", ("240TURBO CVT 科技版",), "ICE", "LHG"),
    ("广汽本田", "e:NP2 极湃2", ("长续航版",), "BEV", "LHG"),
    ("东风本田", "思域", ("240TURBO CVT 劲享版",), "ICE", "LVH"),
    ("东风本田", "CR-V", ("锐·混动 2.0L 两驱净行版",), "HEV", "LVH"),
    ("广汽丰田", "凯美瑞", ("双擎 2.5HG 豪华版",), "HEV", "LVG"),
    ("比亚迪", "秦PLUS", ("DM-i 55KM 领先型",), "PHEV", "LGX"),
    ("比亚迪", "海豚", ("405km 自由版",), "BEV", "LGX"),
)


def chinese_name(rng: random.Random) -> str:
    """Half two-character names (张伟), half three (王欣怡); a few compound surnames."""
    surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.01 else rng.choice(SURNAMES)
    given_len = 1 if rng.random() < 0.5 else 2
    return surname + "".join(rng.choice(GIVEN_CHARS) for _ in range(given_len))


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + "".join(rng.choice(string.digits) for _ in range(8))


def plate(rng: random.Random, *, province: str = "粤", city: str = "A", new_energy: bool = False) -> str:
    """粤A12345 style, or the 8-character new-energy form 粤AD12345 / 粤AF12345."""
    if new_energy:
        return province + city + rng.choice("DF") + "".join(rng.choice(string.digits) for _ in range(5))
    # Ordinary plates mix at most two letters into the five serial characters.
    chars = [rng.choice(string.digits) for _ in range(5)]
    for position in rng.sample(range(5), k=rng.choice((0, 1, 1, 2))):
        chars[position] = rng.choice(PLATE_LETTERS)
    return province + city + "".join(chars)


def vin(rng: random.Random, wmi: str = "LHG", model_year: str = "R") -> str:
    """A 17-character VIN with a valid check digit."""
    vds = "".join(rng.choice(VIN_ALPHABET) for _ in range(5))
    serial = "".join(rng.choice(string.digits) for _ in range(6))
    return with_check_digit(f"{wmi}{vds}0{model_year}{rng.choice('ABCDEFGH')}{serial}")
