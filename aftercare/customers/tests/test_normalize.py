import pytest
from django.core.exceptions import ValidationError

from aftercare.customers.normalize import name_pinyin, normalize_mobile, normalize_plate, normalize_vin, suffixes


@pytest.mark.parametrize(
    "raw", ["13812345678", "138 1234 5678", "+86 138-1234-5678", "0086 13812345678", "86-13812345678"]
)
def test_mainland_mobiles_are_normalised_to_eleven_digits(raw):
    assert normalize_mobile(raw) == "13812345678"


@pytest.mark.parametrize("raw", ["1381234567", "23812345678", "138123456789", "12012345678", "abc", ""])
def test_bad_mobiles_are_refused_with_a_message(raw):
    with pytest.raises(ValidationError) as error:
        normalize_mobile(raw)
    assert "11" in error.value.messages[0]


@pytest.mark.parametrize(
    ("raw", "plate"),
    [("粤A12345", "粤A12345"), ("粤a·1b2c3", "粤A1B2C3"), ("京AD12345", "京AD12345"), ("粤BFA1234", "粤BFA1234"),
     ("沪A12345D", "沪A12345D"), ("粤A1234学", "粤A1234学"), (" 粤 A 123 45 ", "粤A12345")],
)  # fmt: skip
def test_mainland_plates_including_new_energy_ones_are_accepted(raw, plate):
    assert normalize_plate(raw) == plate


@pytest.mark.parametrize("raw", ["A12345", "粤A1234", "粤A123456", "粤AI2345", "粤1A2345", "XX12345"])
def test_malformed_plates_are_refused(raw):
    with pytest.raises(ValidationError):
        normalize_plate(raw)


def test_foreign_and_temporary_plates_pass_with_the_explicit_flag():
    assert normalize_plate("ab 123 cd", unregistered_format=True) == "AB123CD"


def test_a_vin_with_a_valid_check_digit_is_upper_cased():
    assert normalize_vin("1m8gdm9axkp042788") == "1M8GDM9AXKP042788"


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [("1M8GDM9AXKP04278", "17"), ("1M8GDM9AXKP0427888", "17"), ("1M8GDM9AXKP04278O", "O"), ("1M8GDM9AIKP042788", "I")],
)
def test_malformed_vins_are_refused_with_the_reason(raw, fragment):
    with pytest.raises(ValidationError) as error:
        normalize_vin(raw)
    assert fragment in error.value.messages[0]


def test_a_check_digit_mismatch_is_refused_unless_the_user_confirms_an_import():
    wrong = "1M8GDM9A1KP042788"
    with pytest.raises(ValidationError) as error:
        normalize_vin(wrong)
    assert error.value.code == "vin_check_digit"
    assert normalize_vin(wrong, accept_check_digit_mismatch=True) == wrong


@pytest.mark.parametrize(
    ("name", "pinyin", "initials"),
    [
        ("张三", "zhangsan", "zs"),
        ("曾小贤", "zengxiaoxian", "zxx"),
        ("单田芳", "shantianfang", "stf"),
        ("欧阳娜娜", "ouyangnana", "oynn"),
    ],
)
def test_names_get_full_pinyin_and_initials_with_surname_readings(name, pinyin, initials):
    assert name_pinyin(name) == (pinyin, initials)


def test_every_substring_of_a_plate_is_a_prefix_of_one_of_its_suffixes():
    keys = suffixes("粤A12345")
    for fragment in ("A12", "234", "45", "粤A1", "12345"):
        assert any(key.startswith(fragment) for key in keys)
