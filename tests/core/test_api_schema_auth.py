"""Defect 20: the API schema and its docs need sign-in (session or bearer token), as the README says."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_api_schema_and_docs_need_sign_in(client):
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 401
    assert schema.json()["error"]["code"] == "unauthenticated"
    docs = client.get("/api/docs")
    assert docs.status_code == 302 and docs["Location"].startswith("/accounts/login/")
    assert "swagger" not in docs.content.decode().lower()


def test_api_schema_and_docs_open_to_a_session(client_as):
    client = client_as("leader")
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 200 and "/api/liaisons" in schema.json()["paths"]
    assert client.get("/api/docs").status_code == 200


def test_api_schema_open_to_a_bearer_token(client, token_for):
    schema = client.get("/api/openapi.json", **token_for("zichuan_officer"))
    assert schema.status_code == 200 and "/api/liaisons" in schema.json()["paths"]
    assert client.get("/api/openapi.json", HTTP_AUTHORIZATION="Bearer kc_wrong").status_code == 401


def test_no_two_api_schemas_share_a_name():
    """django-ninja names each OpenAPI component after its class: two modules' `MilestoneOut` became one, and the
    supervision milestones were documented with the projects' fields (the API fuzz found it)."""
    from ninja import Schema

    from kechuang.api import api

    api.get_openapi_schema()  # imports every router's schemas
    seen: dict[str, str] = {}
    clashes = []

    def walk(cls: type) -> None:
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("kechuang."):
                where = f"{sub.__module__}.{sub.__qualname__}"
                if sub.__name__ in seen and seen[sub.__name__] != where:
                    clashes.append((seen[sub.__name__], where))
                seen.setdefault(sub.__name__, where)
            walk(sub)

    walk(Schema)
    assert not clashes, clashes
