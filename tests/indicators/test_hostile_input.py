"""Hostile input to the indicator API and pages: out-of-range figures are refused with a 422 naming the field,
never a 500, and nothing is written."""

from __future__ import annotations

import json

from django.utils import timezone


def test_a_revision_with_a_huge_value_is_refused_naming_the_value(catalogue, client, token_for, unchanged_db):
    headers = token_for("bureau_staff")
    year = timezone.localdate().year
    payload = {"indicator": "tech_smes", "region": "zhangdian", "year": year, "value": 5, "source": "x"}
    response = client.post("/api/observations", json.dumps(payload), content_type="application/json", **headers)
    assert response.status_code == 201
    huge = {**payload, "value": "1e30", "reason": "correction"}
    with unchanged_db():
        response = client.post("/api/observations", json.dumps(huge), content_type="application/json", **headers)
    assert response.status_code == 422, response.content
    assert "value" in response.json()["error"]["fields"]
