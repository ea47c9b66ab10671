"""Checklist item 16: the public demand form shows the current notice with a separate, unticked consent box, refuses
without it (an error on that field), stores a ConsentRecord in the submission's transaction; a public demand is not
processed without a current consent; withdrawal (reference + contact) stops the processing."""

from __future__ import annotations

import time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kechuang.core import consent
from kechuang.core.encrypted import blind_lookup
from kechuang.core.models import ConsentRecord, Notice
from kechuang.techmarket import forms, services
from kechuang.techmarket.models import Demand
from tests.techmarket import factories as f

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


@pytest.fixture
def form_data(valid_credit_code):
    return {
        "enterprise_name": "淄博新星陶瓷有限公司",
        "credit_code": valid_credit_code,
        "region": f.region("zhoucun").pk,
        "title": "瓷砖烧窑能耗高，寻求节能技术",
        "description": "我公司有两条瓷砖生产线，辊道窑烧窑天然气消耗大，产品易变形，希望引进低温快烧技术。",
        "field": "new_materials",
        "cooperation_mode": "transfer",
        "contact_name": "王五",
        "contact_phone": PHONE,
        "consent": "on",
        "website": "",
        "token": forms.form_token(time.time() - 60),
    }


@pytest.fixture
def valid_credit_code():
    from kechuang.core.validators import credit_code_check_char

    return "91370303MA3C4XY12" + credit_code_check_char("91370303MA3C4XY12")


def _submit(client, data):
    return client.post(reverse("techmarket:public_demand"), data)


def test_item_16_form_shows_the_current_notice_and_an_unticked_box(client):
    notice = consent.current_notice(services.PUBLIC_DEMAND_PURPOSE)
    body = client.get(reverse("techmarket:public_demand")).content.decode()
    assert notice is not None and notice.text[:20] in body
    checkbox = body[body.index('name="consent"') - 200 : body.index('name="consent"') + 100]
    assert 'type="checkbox"' in checkbox and "checked" not in checkbox


def test_item_16_refused_without_consent_with_an_error_on_the_field(client, form_data):
    response = _submit(client, {k: v for k, v in form_data.items() if k != "consent"})
    assert response.status_code == 200 and "consent" in response.context["form"].errors
    assert not Demand.objects.exists() and not ConsentRecord.objects.exists()
    with pytest.raises(ValidationError) as err:  # the service refuses too, whatever the caller
        services.demand_submit_public(data={}, ip="203.0.113.9", consent_given=False, notice=None)
    assert "consent" in err.value.message_dict


def test_item_16_consent_is_recorded_with_the_submission(client, form_data):
    response = _submit(client, form_data)
    assert response.status_code == 302
    demand = Demand.objects.get()
    record = ConsentRecord.objects.get()
    notice = Notice.objects.get(purpose=services.PUBLIC_DEMAND_PURPOSE, version=1)
    assert (record.object_type, record.object_id, record.notice, record.purpose, record.channel) == (
        "techmarket.demand",
        str(demand.pk),
        notice,
        services.PUBLIC_DEMAND_PURPOSE,
        "public_form",
    )
    assert record.withdrawn_at is None and record.reference in response["Location"]
    assert ConsentRecord.objects.filter(**blind_lookup(ConsentRecord, "subject_contact", PHONE)).get() == record
    assert record.reference in client.get(response["Location"]).content.decode()


def test_item_16_no_processing_without_a_current_consent(persona, form_data):
    data = {k: v for k, v in form_data.items() if k not in ("consent", "website", "token")}
    data["region"] = f.region("zhoucun")
    notice = consent.current_notice(services.PUBLIC_DEMAND_PURPOSE)
    demand, record = services.demand_submit_public(data=data, ip="203.0.113.9", consent_given=True, notice=notice)
    ConsentRecord.objects.filter(pk=record.pk).delete()  # as for a demand that came in without one
    with pytest.raises(ValidationError) as err:
        services.demand_review(actor=persona("bureau_staff"), demand=demand, approve=True)
    assert "status" in err.value.message_dict
    assert Demand.objects.get(pk=demand.pk).status == Demand.Status.PENDING


def test_item_16_withdrawal_stops_the_processing(client, persona, form_data):
    _submit(client, form_data)
    record, demand = ConsentRecord.objects.get(), Demand.objects.get()
    services.demand_review(actor=persona("bureau_staff"), demand=demand, approve=True)
    assert Demand.objects.get().status == Demand.Status.PUBLISHED

    url = reverse("techmarket:public_withdraw")
    wrong = client.post(url, {"reference": record.reference, "contact": "13900000000"})
    assert "reference" in wrong.context["form"].errors and ConsentRecord.objects.get().withdrawn_at is None
    done = client.post(url, {"reference": record.reference.lower(), "contact": "139-1234-5678"})
    assert done.context["done"] is True

    demand = Demand.objects.get()
    assert ConsentRecord.objects.get().withdrawn_at is not None
    assert demand.status == Demand.Status.CLOSED and demand.status not in Demand.OPEN_STATES
    assert (demand.contact_name, demand.contact_phone, demand.contact_email) == ("", "", "")
    assert demand.contact_phone_bidx == "" and not consent.has_current_consent(demand, services.PUBLIC_DEMAND_PURPOSE)
    # published again? refused: no current consent
    demand.status = Demand.Status.PENDING
    demand.save(update_fields=["status"])
    with pytest.raises(ValidationError):
        services.demand_review(actor=persona("bureau_staff"), demand=demand, approve=True)
