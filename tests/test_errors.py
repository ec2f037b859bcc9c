import pytest

from afterbeep import errors
from afterbeep._optional import require


def test_invalid_input_names_where():
    error = errors.InvalidInput(
        "expected a phone number", source="leads.csv", line=7, field="phone"
    )
    assert str(error) == "leads.csv, line 7, field 'phone': expected a phone number"
    assert error.reason == "expected a phone number"
    assert error.exit_code == 3


def test_invalid_input_without_location_is_just_the_message():
    assert str(errors.InvalidInput("empty script")) == "empty script"


def test_compliance_blocked_names_rule_and_jurisdiction():
    error = errors.ComplianceBlocked(
        "outside calling hours", rule="hours.us-fl", jurisdiction="US-FL"
    )
    assert "hours.us-fl" in str(error)
    assert "US-FL" in str(error)
    assert error.exit_code == 5


def test_carrier_error_names_the_carrier():
    assert str(errors.CarrierError("bad frame", carrier="twilio")) == "twilio: bad frame"


def test_missing_extra_names_the_extra():
    with pytest.raises(errors.MissingExtra, match=r"pip install 'afterbeep\[asr\]'"):
        require("no_such_module_afterbeep", "asr")
    assert require("json", "none").dumps([1]) == "[1]"


def test_exit_codes_are_distinct():
    classes = [
        errors.InvalidInput,
        errors.ConfigError,
        errors.ComplianceBlocked,
        errors.CarrierError,
    ]
    assert len({cls.exit_code for cls in classes}) == len(classes)
