"""Messages shown to users: one line, short, control characters escaped."""

from __future__ import annotations

from linkready.messages import MAX_LINE, one_line, scrub


def test_control_characters_are_escaped_and_lines_joined() -> None:
    """ANSI escapes and NULs are shown as escapes; line breaks become spaces."""
    assert one_line("a\x1b[31mb\x00c\nd") == "a\\x1b[31mb\\x00c d"


def test_long_lines_keep_their_start_and_their_fix() -> None:
    """A long message is cut in the middle, so the file and the fix both survive."""
    text = "/data/" + "x" * 1000 + "/project.yaml: bad; set `key: true`"
    line = one_line(text)
    assert len(line) <= MAX_LINE
    assert line.startswith("/data/xxx") and line.endswith("set `key: true`")


def test_scrub_removes_quoted_text_and_long_digit_runs() -> None:
    """The crash log keeps no quoted value and no NHS-number-like digits."""
    out = scrub('bad value "SMITH" near 999 000 0018 and "1980-01-02"')
    assert "SMITH" not in out and "999 000 0018" not in out


def test_long_paths_are_shortened_before_anything_is_cut() -> None:
    """Deep temporary paths give way to the message: the fix stays whole."""
    deep = "/tmp/" + "/".join(["segment-" + "x" * 20] * 6)
    text = (f"{deep}/project.yaml: sources.src: record_id is mapped to the same column as "
            "nhs_number, which would put NHS numbers into links.parquet and clusters.parquet"
            f"; map record_id to a row id, or set `record_id_is_identifier: true` ({deep})")
    line = one_line(text)
    assert len(line) <= MAX_LINE
    assert "…/segment-" in line and "`record_id_is_identifier: true`" in line
    assert "nhs_number" in line
