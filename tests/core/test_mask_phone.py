"""mask_phone keeps the first three and the last four characters and hides the rest, whatever the length."""

from __future__ import annotations

import pytest

from kechuang.core.validators import mask_phone


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13812345678", "138****5678"),
        ("0533-2345678", "053*****5678"),  # a landline keeps its area-code start and its last four
        ("1234567", "1234567"),  # seven characters: nothing left in the middle to hide
        ("123456", "******"),  # too short to show any part of it
        ("", ""),
    ],
)
def test_mask_phone(raw, masked):
    assert mask_phone(raw) == masked
    assert len(mask_phone(raw)) == len(raw)
