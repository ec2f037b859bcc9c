import pytest

from afterbeep.errors import InvalidInput
from afterbeep.phone import parse_phone


def test_us_number_in_any_format_gives_e164_and_time_zone():
    number = parse_phone("(206) 555-0148")
    assert number.e164 == "+12065550148"
    assert number.region == "US"
    assert "America/Los_Angeles" in number.time_zones


def test_uk_mobile_line_type():
    number = parse_phone("+44 7712 345678")
    assert number.region == "GB"
    assert number.line_type == "mobile"


@pytest.mark.parametrize("text", ["12345", "not a number", "+1 555 555 55555 5"])
def test_invalid_numbers_name_the_field(text):
    with pytest.raises(InvalidInput, match=r"expected e\.g\.") as caught:
        parse_phone(text, source="leads.csv", field="phone")
    assert "field 'phone'" in str(caught.value)


def test_london_landline_is_fixed_with_one_zone():
    number = parse_phone("+44 20 7946 0958")
    assert number.line_type == "fixed"
    assert number.time_zones == ("Europe/London",)
