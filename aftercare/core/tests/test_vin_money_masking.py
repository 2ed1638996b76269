from decimal import Decimal

import pytest

from aftercare.core.masking import mask_phone
from aftercare.core.money import to_money
from aftercare.core.vin import vin_check_digit, vin_check_digit_ok


def test_a_known_vin_has_the_published_check_digit():
    # The standard worked example of the ISO 3779 / NA check digit.
    assert vin_check_digit("1M8GDM9AXKP042788") == "X"
    assert vin_check_digit_ok("1M8GDM9AXKP042788")


def test_vins_with_i_o_or_q_or_the_wrong_length_are_not_well_formed():
    assert not vin_check_digit_ok("1M8GDM9AXKP04278")
    assert not vin_check_digit_ok("IM8GDM9AXKP042788")


@pytest.mark.parametrize(
    ("raw", "money"), [("0.005", "0.01"), ("2.675", "2.68"), (0.1, "0.10"), ("-1.005", "-1.01"), (3, "3.00")]
)
def test_money_rounds_half_up_to_the_cent(raw, money):
    assert to_money(raw) == Decimal(money)


def test_mobile_numbers_are_masked_in_the_middle():
    assert mask_phone("+86 138-1234-5678") == "138****5678"
