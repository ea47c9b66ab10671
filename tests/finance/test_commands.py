"""`manage.py score_register`: the nightly scoring of the register, and its refusal of a bad date."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from kechuang.core.models import OrgUnit
from kechuang.finance.models import CapabilityScore

pytestmark = pytest.mark.django_db


def test_score_register_scores_the_register_and_refuses_a_bad_date():
    from kechuang.enterprises.demo import load_population

    load_population(OrgUnit.objects.get(code="zibo", parent=None), 12)
    out = io.StringIO()
    call_command("score_register", "--as-of", "2026-06-30", stdout=out)
    scored = int(out.getvalue().split()[0])
    assert scored > 0 and CapabilityScore.objects.filter(as_of="2026-06-30").count() == scored
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("score_register", "--as-of", "30/06/2026")
