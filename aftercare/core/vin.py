"""VIN check digit (ISO 3779 / North-American position-9 rule, used by Chinese
GB 16735 VINs too)."""

_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
VIN_ALPHABET = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"  # no I, O, Q


def vin_check_digit(vin: str) -> str:
    """The character position 9 must hold for this VIN (its own 9th is ignored)."""
    total = sum(_VALUES[ch] * weight for ch, weight in zip(vin.upper(), _WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def with_check_digit(vin: str) -> str:
    return vin[:8] + vin_check_digit(vin) + vin[9:]


def vin_is_well_formed(vin: str) -> bool:
    return len(vin) == 17 and all(ch in VIN_ALPHABET for ch in vin.upper())


def vin_check_digit_ok(vin: str) -> bool:
    return vin_is_well_formed(vin) and vin.upper()[8] == vin_check_digit(vin)
