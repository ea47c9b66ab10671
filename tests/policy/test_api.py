"""The policy API lists the loaded policy to every persona, with its identity (a probe returning [] survived)."""

from __future__ import annotations

import pytest

from tests.conftest import PERSONAS


@pytest.mark.parametrize("name", sorted(PERSONAS))
def test_api_policies_lists_the_loaded_policy(name, client, token_for):
    response = client.get("/api/policies", **token_for(name))
    assert response.status_code == 200
    listed = {p["code"]: p for p in response.json()}
    assert set(listed) == {"zibo-kefa-2023-22"}
    assert listed["zibo-kefa-2023-22"]["document_number"] == "淄科发〔2023〕22号"
    assert listed["zibo-kefa-2023-22"]["city"] == "淄博市"


def test_api_policy_tasks_are_the_policy_tasks(client, token_for):
    tasks = client.get("/api/policies/zibo-kefa-2023-22/tasks", **token_for("leader")).json()
    assert len(tasks) == 25 and [t["number"] for t in tasks] == list(range(1, 26))
