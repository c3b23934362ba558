"""NHS number arithmetic, checked against the independent ``nhs-number`` package."""

from __future__ import annotations

import nhs_number
import nhs_number.validate
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkready import nhs

checksum = nhs_number.validate.calculate_checksum


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        pytest.param(9434765919, True, id="data-dictionary-example"),
        pytest.param(1234567890, False, id="check-digit-10"),
        pytest.param(9876544321, False, id="wrong-check-digit"),
        pytest.param(1111111111, False, id="repdigit-passes-mod11-but-is-placeholder"),
        pytest.param(0, False, id="all-zeros"),
    ],
)
def test_known_numbers(number: int, valid: bool) -> None:
    """Published examples validate as the Data Dictionary says (repdigits rejected)."""
    assert bool(nhs.is_valid(np.array([number]))[0]) is valid


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=9_999_999_999))
def test_agrees_with_independent_implementation(number: int) -> None:
    """Modulus 11 agrees with the nhs-number package's checksum on any ten-digit number.

    (Its ``is_valid`` adds a date rule for Scottish CHI numbers, which we do not model.)
    """
    text = f"{number:010d}"
    ours = bool(nhs.is_valid(np.array([number]))[0])
    theirs = checksum(text[:9]) == int(text[9]) and len(set(text)) > 1
    assert ours == theirs


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=nhs.TEST_RANGE_START, max_value=nhs.TEST_RANGE_END))
def test_agrees_with_is_valid_in_test_range(number: int) -> None:
    """In the 999 test range our validity equals the nhs-number package's ``is_valid``."""
    ours = bool(nhs.is_valid(np.array([number]))[0])
    assert ours == (nhs_number.is_valid(str(number)) and number != nhs.TEST_RANGE_END)


def test_test_range_pool() -> None:
    """The pool is every valid number in 999 000 0000–999 999 9999 and nothing else."""
    pool = nhs.valid_test_range_numbers()
    assert pool.size == nhs.MAX_TEST_RANGE_PEOPLE
    assert pool.min() >= nhs.TEST_RANGE_START and pool.max() <= nhs.TEST_RANGE_END
    assert nhs.is_valid(pool).all()
    sample = np.random.default_rng(0).choice(pool, 500, replace=False)
    assert all(nhs_number.is_valid(f"{n:010d}") for n in sample)


def test_corrupt_always_invalid() -> None:
    """A corrupted valid number never passes Modulus 11."""
    rng = np.random.default_rng(1)
    numbers = nhs.sample_test_numbers(rng, 20_000)
    assert not nhs.is_valid(nhs.corrupt(rng, numbers)).any()
