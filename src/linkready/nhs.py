"""NHS number arithmetic (Modulus 11), vectorised with NumPy.

The rule (NHS Data Dictionary): weight digits 1–9 by 10, 9, …, 2, sum, take
``11 - (sum mod 11)``; 11 becomes 0; 10 means the number is never issued. Every
repdigit passes Modulus 11, so validity here also requires the ten digits not to be all
the same (the HES rule).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt

WEIGHTS = np.arange(10, 1, -1, dtype=np.int64)  # 10, 9, ..., 2
TEST_RANGE_START = 999_000_0000
TEST_RANGE_END = 999_999_9999


def digits(numbers: npt.ArrayLike, width: int = 10) -> npt.NDArray[np.int64]:
    """Split integers into a (n, width) array of decimal digits, most significant first."""
    arr = np.asarray(numbers, dtype=np.int64).reshape(-1, 1)
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (arr // powers) % 10


def check_digit(bodies: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Check digit for nine-digit bodies; 10 marks a body that can never be issued."""
    total = digits(bodies, width=9) @ WEIGHTS
    check = 11 - (total % 11)
    return np.where(check == 11, 0, check)


def is_valid(numbers: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """True where a ten-digit integer passes Modulus 11 and is not a repdigit."""
    arr = np.asarray(numbers, dtype=np.int64)
    d = digits(arr)
    check = check_digit(arr // 10)
    repdigit = (d == d[:, :1]).all(axis=1)
    in_width = (arr >= 0) & (arr <= 9_999_999_999)
    return in_width & (check == d[:, 9]) & ~repdigit


def is_repdigit(numbers: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """True where all ten digits are the same (0000000000 ... 9999999999)."""
    d = digits(numbers)
    return (d == d[:, :1]).all(axis=1)


@cache
def valid_test_range_numbers() -> npt.NDArray[np.int64]:
    """Every valid NHS number in the 999 test range, ascending (909,090 of them: the
    909,091 that pass Modulus 11, less the repdigit 9999999999). Read-only."""
    bodies = np.arange(TEST_RANGE_START // 10, TEST_RANGE_END // 10 + 1, dtype=np.int64)
    check = check_digit(bodies)
    keep = check != 10
    numbers = bodies[keep] * 10 + check[keep]
    numbers = numbers[~is_repdigit(numbers)]
    numbers.setflags(write=False)
    return numbers


MAX_TEST_RANGE_PEOPLE = 909_091 - 1  # 9999999999 is a repdigit and excluded


def sample_test_numbers(rng: np.random.Generator, n: int) -> npt.NDArray[np.int64]:
    """``n`` distinct valid NHS numbers from the test range, in random order."""
    pool = valid_test_range_numbers()
    if n > pool.size:
        raise ValueError(f"asked for {n} NHS numbers; the 999 test range holds {pool.size}")
    return rng.choice(pool, size=n, replace=False)


def corrupt(rng: np.random.Generator, numbers: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Turn valid numbers into ones that fail Modulus 11, as a keying error would.

    One digit among the first nine is changed; if the result still happens to validate
    (about one time in eleven), the check digit is moved on by one, which always fails.
    """
    n = numbers.size
    d = digits(numbers)
    pos = rng.integers(0, 9, size=n)
    shift = rng.integers(1, 10, size=n)
    d[np.arange(n), pos] = (d[np.arange(n), pos] + shift) % 10
    out = d @ (10 ** np.arange(9, -1, -1, dtype=np.int64))
    still_valid = is_valid(out)
    out = np.where(still_valid, out - d[:, 9] + (d[:, 9] + 1) % 10, out)
    return out
