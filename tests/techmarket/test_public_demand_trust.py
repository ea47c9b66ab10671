"""Defect 18: the public demand form refuses duplicates, counts only accepted submissions against the hourly
limit (failures have their own, higher limit), keys the limit on the real client behind the documented proxy,
and accepts landline numbers."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from kechuang.core.middleware import client_ip
from kechuang.core.models import AuditEntry
from kechuang.core.validators import validate_phone
from kechuang.techmarket.models import Demand, PublicSubmission
from tests.techmarket.test_app import _public_data

pytestmark = pytest.mark.django_db
URL = "/techmarket/public/demand/"


@pytest.fixture
def code():
    from kechuang.core.validators import credit_code_check_char

    body = "91370303MA3C4XY12"
    return body + credit_code_check_char(body)


def test_public_demand_duplicate_is_refused(client, code):
    assert client.post(URL, _public_data(credit_code=code)).status_code == 302
    again = client.post(URL, _public_data(credit_code=code))
    assert again.status_code == 200 and Demand.objects.count() == 1
    assert "无需重复提交" in " ".join(again.context["form"].non_field_errors())
    # The same firm with another demand is welcome.
    other = _public_data(
        credit_code=code,
        title="窑炉余热回收方案征集",
        description="辊道窑排烟温度高，希望回收余热用于干燥工序，降低天然气消耗和生产成本。",
    )
    assert client.post(URL, other).status_code == 302 and Demand.objects.count() == 2


def test_public_demand_rate_limit_counts_only_accepted(client, settings, code):
    settings.TECHMARKET_PUBLIC_LIMIT_PER_HOUR = 2
    for _ in range(5):  # failures do not use up the allowance of accepted demands
        client.post(URL, _public_data(credit_code=code, contact_phone="12345"))
    for n in range(2):
        response = client.post(URL, _public_data(credit_code=code, title=f"寻求节能技术第{n}项方案"))
        assert response.status_code == 302
    limited = client.post(URL, _public_data(credit_code=code, title="寻求节能技术第三项方案"))
    assert limited.status_code == 429 and Demand.objects.count() == 2


def test_public_demand_failures_have_their_own_higher_limit(client, settings, code):
    settings.TECHMARKET_PUBLIC_FAILURE_LIMIT_PER_HOUR = 3
    for _ in range(3):
        assert client.post(URL, _public_data(credit_code=code, contact_phone="12345")).status_code == 200
    response = client.post(URL, _public_data(credit_code=code))
    assert response.status_code == 429 and not Demand.objects.exists()
    assert PublicSubmission.objects.filter(accepted=False).count() == 3


def test_client_ip_trusts_forwarded_for_only_behind_the_proxy(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    settings.KECHUANG_BEHIND_PROXY = False
    assert client_ip(request) == "10.1.1.1"
    settings.KECHUANG_BEHIND_PROXY = True
    settings.KECHUANG_PROXY_ADDRESSES = ["10.1.1.1"]
    # The right-most hop the proxy did not add: a client cannot forge its way past it by prepending.
    assert client_ip(request) == "203.0.113.7"
    settings.KECHUANG_TRUSTED_PROXIES = ["203.0.113.0/24"]
    assert client_ip(request) == "6.6.6.6"
    junk = RequestFactory().get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="not-an-ip")
    assert client_ip(junk) == "10.1.1.1"


def test_public_demand_limit_is_per_client_behind_the_proxy(client, settings, code):
    settings.KECHUANG_BEHIND_PROXY = True
    settings.KECHUANG_PROXY_ADDRESSES = ["10.1.1.1"]
    settings.TECHMARKET_PUBLIC_LIMIT_PER_HOUR = 1
    proxy = {"REMOTE_ADDR": "10.1.1.1"}
    first = client.post(URL, _public_data(credit_code=code), HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    assert first.status_code == 302
    other = _public_data(credit_code=code, title="另一家企业的技术需求")
    assert client.post(URL, other, HTTP_X_FORWARDED_FOR="198.51.100.9", **proxy).status_code == 302
    assert AuditEntry.objects.filter(object_type="techmarket.demand", ip="198.51.100.9").exists()


def test_axes_and_audit_read_the_one_client_ip(settings):
    assert settings.AXES_CLIENT_IP_CALLABLE == "kechuang.core.middleware.client_ip"


@pytest.mark.parametrize(
    "number", ["13912345678", "0533-1234567", "0533-12345678", "0533-12345678-123", "053312345678"]
)
def test_public_demand_accepts_landlines(client, code, number):
    assert client.post(URL, _public_data(credit_code=code, contact_phone=number)).status_code == 302
    assert Demand.objects.get().contact_phone == number
    validate_phone(number)


@pytest.mark.parametrize("number", ["12345", "0533-123", "1391234567x", "533-1234567"])
def test_phone_validator_refuses_garbage(number):
    with pytest.raises(ValidationError):
        validate_phone(number)


def test_the_address_is_kept_as_core_registrations_keyed_hash(client, code, settings):
    # One keyed address hash for every public page (core.registration): the demand and the counted rows carry it;
    # the hashes stored before still count, and techmarket keeps no hashing of its own.
    import hashlib
    import hmac
    from pathlib import Path

    from kechuang.core import registration
    from kechuang.techmarket import services

    settings.TECHMARKET_PUBLIC_FAILURE_LIMIT_PER_HOUR = 2
    assert client.post(URL, _public_data(credit_code=code)).status_code == 302
    assert Demand.objects.get().submitter_ip_hash == registration.address_hash("127.0.0.1")
    # a row stored before the move, by techmarket's former formula written out: it still counts
    former = hmac.new(settings.SECRET_KEY.encode(), b"127.0.0.1", hashlib.sha256).hexdigest()
    PublicSubmission.objects.create(ip_hash=former, accepted=False)
    assert not services.public_rate_limited("127.0.0.1")
    PublicSubmission.objects.create(ip_hash=registration.address_hash("127.0.0.1"), accepted=False)
    assert services.public_rate_limited("127.0.0.1") and not services.public_rate_limited("10.9.8.7")
    source = "".join(p.read_text(encoding="utf-8") for p in Path(services.__file__).parent.rglob("*.py"))
    assert "hmac" not in source  # no keyed hash of its own
