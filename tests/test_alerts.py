"""Alerts read from a published profile: thresholds, code sets, pairs, spreadsheet forms."""

from __future__ import annotations

from typing import Any

from linkready.alerts import errors, profile_alerts, unreadable_fields


def _source(records: int | str = 100, **fields: Any) -> dict[str, Any]:
    base = {f: {"held": True, "issues": {}} for f in
            ("nhs_number", "given_name", "family_name", "dob", "sex", "postcode", "ethnicity")}
    base.update(fields)
    return {"records": records, "fields": base, "standardisation": []}


def _issue(name: str, count: int | str) -> dict[str, Any]:
    return {"held": True, "issues": {name: {"count": count, "share": None}}}


def test_unreadable_only_above_half() -> None:
    half = profile_alerts({"a": _source(dob=_issue("unparseable", 50))})
    assert half == []
    most = profile_alerts({"a": _source(dob=_issue("unparseable", 55))})
    assert [(a.code, a.severity, a.field, a.count) for a in most] == [
        ("unreadable", "error", "dob", 55)]
    assert "dob_format" in most[0].message and "%d/%m/%Y" in most[0].message
    assert unreadable_fields(most, "a") == {"dob"}


def test_nhs_unreadable_adds_its_issue_codes() -> None:
    nhs = {"held": True, "issues": {"non_numeric": {"count": 30, "share": .3},
                                    "wrong_length": {"count": 25, "share": .25}}}
    (a,) = profile_alerts({"a": _source(nhs_number=nhs)})
    assert (a.code, a.field, a.count) == ("unreadable", "nhs_number", 55)


def test_code_set_counts_of_eight_or_more_only() -> None:
    assert profile_alerts({"a": _source(ethnicity=_issue("out_of_set", "*"))}) == []
    (a,) = profile_alerts({"a": _source(ethnicity=_issue("out_of_set", 10))})
    assert (a.code, a.severity, a.count) == ("not_in_code_set", "warning", 10)
    assert "`values:`" in a.message and "ethnic category" in a.message
    (b,) = profile_alerts({"a": _source(sex=_issue("out_of_set", 80))})
    assert (b.field, b.severity) == ("sex", "error")


def test_field_held_by_one_side_of_a_pair() -> None:
    b = _source(postcode={"held": False})
    alerts = profile_alerts({"a": _source(), "b": b}, [("a", "b")])
    assert [(x.code, x.source, x.field, x.severity) for x in alerts] == [
        ("held_one_side", "a", "postcode", "warning")]
    assert errors(alerts) == []
    assert profile_alerts({"a": _source(), "b": b}) == []  # no pair, no alert


def test_spreadsheet_forms_from_the_log() -> None:
    s = _source()
    s["standardisation"] = [
        {"field": "nhs_number", "action": "quote_removed", "count": "*"},
        {"field": "nhs_number", "action": "scientific_notation", "count": 15},
        {"field": "nhs_number", "action": "digits_only", "count": 40},
    ]
    alerts = profile_alerts({"a": s})
    assert [(a.code, a.count) for a in alerts] == [("nhs_spreadsheet_form", "*"),
                                                    ("nhs_spreadsheet_form", 15)]
    assert "scientific notation" in alerts[1].message


def test_suppressed_records_raise_no_share_alert() -> None:
    assert profile_alerts({"a": _source("*", dob=_issue("unparseable", "*"))}) == []


def test_extra_failing_its_format_for_most_records_is_a_warning() -> None:
    """A UPRN column mostly set to NULL at ingest is named with its share, as a warning;
    under half is not an alert."""
    s = _source()
    s["standardisation"] = [{"field": "uprn", "action": "set_null:invalid", "count": 60},
                            {"field": "lsoa", "action": "set_null:invalid", "count": 40}]
    (a,) = profile_alerts({"a": s})
    assert (a.code, a.severity, a.source, a.field, a.count) == (
        "extra_unreadable", "warning", "a", "uprn", 60)
    assert "(60% of records)" in a.message and "UPRNs" in a.message
    assert errors([a]) == []


def test_postcode_alert_says_it_is_still_compared() -> None:
    """Postcodes that fail the UK format are flagged, and the message says linkage
    compares them as normalised strings rather than dropping them."""
    (a,) = profile_alerts({"a": _source(postcode=_issue("invalid_format", 90))})
    assert a.field == "postcode" and "compares them as normalised strings" in a.message


def _every_alert() -> list[Any]:
    """One alert of each code (and each severity a code can take), from profiles."""
    spreadsheet = _source()
    spreadsheet["standardisation"] = [
        {"field": "nhs_number", "action": "quote_removed", "count": 20}]
    uprn = _source()
    uprn["standardisation"] = [{"field": "uprn", "action": "set_null:invalid", "count": 60}]
    token = _source()
    token["fields"]["nhs_number"]["form"] = "token"
    clear = _source(postcode={"held": False, "issues": {}})
    clear["fields"]["nhs_number"]["form"] = "digits"
    sources = {
        "nhs": _source(nhs_number=_issue("non_numeric", 60)),
        "names": _source(given_name=_issue("non_alphabetic", 60),
                         family_name=_issue("non_alphabetic", 60)),
        "dates": _source(dob=_issue("unparseable", 60)),
        "postcodes": _source(postcode=_issue("invalid_format", 60)),
        "codes": _source(ethnicity=_issue("out_of_set", 60), sex=_issue("out_of_set", 10)),
        "sheet": spreadsheet, "uprn": uprn, "token": token, "clear": clear,
    }
    return profile_alerts(sources, [("token", "clear")])


def test_fail_on_error_gates_every_error_alert_and_no_warning() -> None:
    """`validate/assess --fail-on-error` (cli._alerts.fail_on_alerts) exit 1 on each error
    alert alone, naming it; a warning alone (the data is usable, e.g. a field only one
    side holds, which the user cannot fix) never fails the gate."""
    import pytest

    from linkready.cli._alerts import fail_on_alerts
    from linkready.errors import QualityGateFailed

    alerts = _every_alert()
    kinds = {(a.code, a.severity) for a in alerts}
    assert kinds == {("unreadable", "error"), ("not_in_code_set", "error"),
                     ("not_in_code_set", "warning"), ("nhs_spreadsheet_form", "warning"),
                     ("extra_unreadable", "warning"), ("held_one_side", "warning"),
                     ("nhs_token_one_side", "warning")}
    for a in alerts:
        if a.severity == "error":
            with pytest.raises(QualityGateFailed) as failed:
                fail_on_alerts([a])
            assert failed.value.exit_code == 1
            assert f"{a.source}.{a.field} ({a.code})" in str(failed.value)
        else:
            fail_on_alerts([a])  # no exit
    assert len(errors(alerts)) == 6  # nhs, given, family, dob, postcode, ethnicity


def test_dates_of_birth_after_the_reference_date() -> None:
    """Future dates of birth (set to NULL at ingest) are an alert from 5% of the records
    and 8 of them, an error above half: a reference_date before the births, or a dob_format
    with two-digit years (now read on or before the reference date), left them unread
    without a word."""
    assert profile_alerts({"a": _source(dob=_issue("future", "*"))}) == []
    assert profile_alerts({"a": _source(dob=_issue("future", 4), records=40)}) == []
    assert profile_alerts({"a": _source(dob=_issue("future", 10), records=1000)}) == []
    (w,) = profile_alerts({"a": _source(dob=_issue("future", 25), records=200)})
    assert (w.code, w.severity, w.field, w.count) == ("future_dob", "warning", "dob", 25)
    assert "reference_date" in w.message and "%y" in w.message
    (e,) = profile_alerts({"a": _source(dob=_issue("future", 200), records=200)})
    assert (e.code, e.severity) == ("future_dob", "error")
    assert unreadable_fields([e], "a") == {"dob"}


def test_rows_left_out_of_a_csv() -> None:
    """Rows the CSV reader could not parse (an unquoted comma in a name) are left out and
    were only counted in the standardisation log: an alert from 8 of them, an error from
    a tenth of the rows (half of a GP extract was lost without a word)."""
    def rejected(n: int | str, records: int) -> list[Any]:
        s = _source(records=records)
        s["standardisation"] = [{"field": "record_id", "action": "rows_rejected", "count": n}]
        return profile_alerts({"a": s})

    assert rejected(0, 100) == [] and rejected("*", 100) == []
    (w,) = rejected(10, 1000)
    assert (w.code, w.severity, w.field, w.count) == ("rows_rejected", "warning", "record_id", 10)
    assert "left out" in w.message and "quote" in w.message and "delimiter" in w.message
    (e,) = rejected(100, 100)
    assert (e.code, e.severity) == ("rows_rejected", "error")
    assert "50% of the rows" in e.message


def test_dates_of_birth_before_1895() -> None:
    """Dates of birth before 1895 (set to NULL at ingest as too early) had no alert: a
    source whose every DOB was 1630–1890 (Splink's historical figures) or a system default
    such as 0001-01-01 lost them without a word. Same rule as future dates."""
    assert profile_alerts({"a": _source(dob=_issue("too_early", 4), records=40)}) == []
    (w,) = profile_alerts({"a": _source(dob=_issue("too_early", 25), records=200)})
    assert (w.code, w.severity, w.field, w.count) == ("early_dob", "warning", "dob", 25)
    assert "1895" in w.message and "dob_format" in w.message
    (e,) = profile_alerts({"a": _source(dob=_issue("too_early", 200), records=200)})
    assert (e.code, e.severity) == ("early_dob", "error")
    assert unreadable_fields([e], "a") == {"dob"}
