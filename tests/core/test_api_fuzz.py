"""Systemic test (issue 10) "API fuzz": schemathesis generates requests for every operation of the OpenAPI schema
(valid and invalid ones), sends them as bureau staff with a bearer token to the real application over WSGI, with
the demo data loaded, and checks that no answer is a server error and that every answer matches the schema.

The schema is taken from the ninja API object itself (the same document /api/openapi.json serves, which needs a
signed-in user). Bounded: a few examples per operation, a fixed derandomised seed, no deadline; about a minute or
two on two cores.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from kechuang.api import api

EXAMPLES_PER_OPERATION = 8

SCHEMA = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/"))
SCHEMA.app = get_wsgi_application()


@pytest.fixture(scope="module", autouse=True)
def keep_connection():
    """The WSGI handler closes the database connection after each request; inside the test's transaction that
    closes it for good on PostgreSQL. Django's test client disconnects the same handler for the same reason."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def staff_headers(demo_site, django_db_blocker):
    from kechuang.core.models import ApiToken, User
    from tests.conftest import PERSONAS

    with django_db_blocker.unblock():
        _, raw = ApiToken.issue(user=User.objects.get(username=PERSONAS["bureau_staff"][0]), name="fuzz")
    return {"Authorization": f"Bearer {raw}"}


@SCHEMA.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_fuzz(case, staff_headers, db):
    from schemathesis.checks import not_a_server_error

    case.call_and_validate(
        headers=staff_headers,
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
