"""The outreach pages' POST paths as their users take them: a bad field answers with the error on that field and
nothing saved; a good post saves and sends on; a persona without the right is refused and changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from kechuang.outreach.models import Assessment, BaseEvaluation, Dispatch, ServiceLog

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def flashed(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_dispatch_and_service_log_through_the_pages(make, unit, client_as):
    commissioner = make.commissioner()
    client = client_as("zhangdian_officer")
    url = reverse("outreach:dispatch_create", args=[commissioner.pk])
    assert client.get(url).status_code == 200
    dispatch = {
        "kind": "village",
        "served_name": "",
        "region": unit("zhangdian").pk,
        "town": "中埠镇",
        "village": "",
        "start": (TODAY - dt.timedelta(days=10)).isoformat(),
        "end": (TODAY + dt.timedelta(days=300)).isoformat(),
        "task": "果园技术指导",
    }
    response = client.post(url, dispatch)
    assert response.status_code == 200 and "village" in response.context["form"].errors
    assert not Dispatch.objects.filter(commissioner=commissioner).exists()
    response = client.post(url, dispatch | {"village": "西庄村"})
    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == reverse("outreach:commissioner", args=[commissioner.pk])
    made = Dispatch.objects.get(commissioner=commissioner)
    assert made.village == "西庄村" and made.served_name == "西庄村"

    log_url = reverse("outreach:log_create", args=[made.pk])
    assert client.get(log_url).status_code == 200
    log = {
        "date": TODAY.isoformat(),
        "place": "西庄村",
        "content": "修剪培训",
        "people_trained": "20",
        "technologies_introduced": "1",
        "technologies": "矮砧密植",
        "income_effect_wan": "-1",
    }
    response = client.post(log_url, log)
    assert response.status_code == 200 and "income_effect_wan" in response.context["form"].errors
    assert not ServiceLog.objects.exists()
    response = client.post(log_url, log | {"income_effect_wan": "3.5"})
    assert response.status_code == 302, response.context["form"].errors
    assert ServiceLog.objects.get(dispatch=made).people_trained == 20
    assert client_as("zichuan_officer").post(log_url, log | {"income_effect_wan": "9"}).status_code == 404
    assert ServiceLog.objects.count() == 1


def test_assessment_through_the_page(make, client_as):
    commissioner = make.commissioner()
    url = reverse("outreach:assessment_record", args=[commissioner.pk])
    assert client_as("zhangdian_officer").post(url, {"year": TODAY.year - 1, "score": "90"}).status_code == 403
    client = client_as("bureau_staff")
    response = client.post(url, {"year": TODAY.year - 1, "score": "130"})
    assert response.status_code == 302 and flashed(response)
    assert not Assessment.objects.exists()
    response = client.post(url, {"year": TODAY.year - 1, "score": "88", "comment": "服务到位"})
    assert response["Location"] == reverse("outreach:commissioner", args=[commissioner.pk])
    assessment = Assessment.objects.get(commissioner=commissioner)
    assert assessment.score == 88 and assessment.year == TODAY.year - 1 and assessment.grade


def test_base_evaluation_and_title_through_the_pages(make, client_as):
    base = make.base()
    client = client_as("bureau_staff")
    evaluate = reverse("outreach:base_evaluate", args=[base.pk])
    response = client.post(evaluate, {"year": TODAY.year - 1, "score": ""})
    assert response["Location"] == reverse("outreach:candidates") and flashed(response)
    assert not BaseEvaluation.objects.exists()
    response = client.post(evaluate, {"year": TODAY.year - 1, "score": "92", "visitors": "5000"})
    assert response.status_code == 302
    evaluation = BaseEvaluation.objects.get(base=base)
    assert evaluation.score == 92 and evaluation.visitors == 5000

    recognise = reverse("outreach:base_recognise", args=[base.pk])
    response = client.post(recognise, {"level": "provincial", "year": TODAY.year})
    assert flashed(response)
    response = client.post(recognise, {"level": "county", "year": TODAY.year, "document_number": "科普〔1〕号"})
    assert flashed(response)
    base.refresh_from_db()
    assert base.level == "city"
    response = client.post(recognise, {"level": "provincial", "year": TODAY.year, "document_number": "科普〔2〕号"})
    assert response.status_code == 302
    base.refresh_from_db()
    assert base.level == "provincial"
    assert client_as("zhangdian_officer").post(recognise, {"level": "national", "year": TODAY.year}).status_code == 403
    base.refresh_from_db()
    assert base.level == "provincial"


def test_import_page_asks_for_the_kind_and_the_file(client_as):
    client = client_as("bureau_staff")
    url = reverse("outreach:import")
    response = client.post(url, {"kind": "nonsense"})
    assert response.status_code == 200 and flashed(response)
    kind = response.context["kinds"][0].kind
    response = client.post(url, {"kind": kind})
    assert response.status_code == 200 and flashed(response)
    assert client_as("leader").post(url, {"kind": kind}).status_code == 403
    assert client_as("bureau_staff").get(reverse("outreach:import_template", args=["nonsense"])).status_code == 404
