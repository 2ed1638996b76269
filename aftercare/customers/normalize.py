"""Normalising and validating what staff type: mobiles, plates, VINs, names.

Each `normalize_*` returns the canonical form or raises ValidationError with
a message for the user. The canonical forms are what the search indexes hold.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from aftercare.core.vin import VIN_ALPHABET, vin_check_digit

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵青藏川宁琼粤"
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
# 粤A12345, 粤AB1234 (5 serial characters, letters and digits; no I or O);
# special suffix plates 粤A1234学 / 警 / 挂 / 领 / 港 / 澳 / 试 / 超.
_ORDINARY = re.compile(rf"^[{PROVINCES}][A-Z][{_PLATE_LETTERS}0-9]{{4}}[{_PLATE_LETTERS}0-9学警挂领港澳试超]$")
# New-energy plates have 8 characters: small cars 粤AD12345 / 粤AF12345
# (D electric, F hybrid; the 4th may also be a letter), large vehicles 粤A12345D.
_NEW_ENERGY = re.compile(rf"^[{PROVINCES}][A-Z]([DF][{_PLATE_LETTERS}0-9][0-9]{{4}}|[0-9]{{5}}[DF])$")
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_SEPARATORS = re.compile(r"[\s\-·•.()（）]")

# Surnames that read differently from the same character in a word (曾 céng →
# Zēng); without this, "zengxx" would not find 曾小贤.
SURNAME_READINGS = {
    "曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "朴": "piao", "区": "ou", "查": "zha",
    "盖": "ge", "缪": "miao", "覃": "qin", "翟": "zhai", "乐": "yue", "尉": "yu", "长": "chang",
    "沈": "shen", "柏": "bai", "秘": "bi", "华": "hua", "任": "ren", "曲": "qu", "员": "yun",
}  # fmt: skip


def normalize_mobile(raw: str) -> str:
    """'+86 138-1234-5678' -> '13812345678'. Mainland mobiles only."""
    digits = _SEPARATORS.sub("", raw or "")
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == 11 + len(prefix):
            digits = digits[len(prefix) :]
            break
    if not _MOBILE.match(digits):
        raise ValidationError(_("Enter an 11-digit mainland mobile number, e.g. 138 1234 5678."), code="mobile")
    return digits


def normalize_plate(raw: str, *, unregistered_format: bool = False) -> str:
    """'粤a·12345' -> '粤A12345'. With `unregistered_format` (foreign or temporary
    plates) any 2-12 letters and digits are accepted as typed, upper-cased."""
    plate = _SEPARATORS.sub("", raw or "").upper()
    if unregistered_format:
        if not 2 <= len(plate) <= 12:
            raise ValidationError(_("A foreign or temporary plate has 2 to 12 characters."), code="plate")
        return plate
    if _ORDINARY.match(plate) or _NEW_ENERGY.match(plate):
        return plate
    if len(plate) >= 1 and plate[0] not in PROVINCES:
        raise ValidationError(
            _("A plate starts with a province abbreviation such as 粤. Tick 'foreign / temporary plate' for others."),
            code="plate",
        )
    raise ValidationError(
        _("Not a mainland plate: 粤A12345, or 8 characters for new-energy vehicles (粤AD12345)."), code="plate"
    )


def normalize_vin(raw: str, *, accept_check_digit_mismatch: bool = False) -> str:
    """Upper-case, 17 characters, no I/O/Q, and a valid check digit unless the
    user confirmed an imported vehicle (their VINs need not carry one)."""
    vin = _SEPARATORS.sub("", raw or "").upper()
    if len(vin) != 17:
        raise ValidationError(_("A VIN has exactly 17 characters (this one has %(n)d).") % {"n": len(vin)}, code="vin")
    bad = sorted({ch for ch in vin if ch not in VIN_ALPHABET})
    if bad:
        raise ValidationError(
            _("A VIN cannot contain %(chars)s (I, O and Q are never used).") % {"chars": "、".join(bad)}, code="vin"
        )
    expected = vin_check_digit(vin)
    if vin[8] != expected and not accept_check_digit_mismatch:
        raise ValidationError(
            _(
                "The check digit (9th character) should be %(expected)s. Check the VIN, or confirm that this is "
                "an imported vehicle."
            )
            % {"expected": expected},
            code="vin_check_digit",
        )
    return vin


def name_pinyin(name: str) -> tuple[str, str]:
    """('zhangsan', 'zs') for 张三, with surname readings; ASCII names lower-cased."""
    if not name:
        return "", ""
    syllables = lazy_pinyin(name, style=Style.NORMAL, errors=lambda chars: [c for c in chars.lower() if c.isalnum()])
    if name[0] in SURNAME_READINGS and syllables:
        syllables[0] = SURNAME_READINGS[name[0]]
    syllables = [s for s in syllables if s]
    return "".join(syllables), "".join(s[0] for s in syllables)


def reverse(value: str) -> str:
    return value[::-1]


def suffixes(value: str, *, min_length: int = 2) -> list[str]:
    """Every suffix of at least min_length characters: any substring of value
    is a prefix of one of them, so an index on suffixes answers infix searches."""
    return [value[i:] for i in range(0, len(value) - min_length + 1)]
