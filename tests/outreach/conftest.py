from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kechuang.core.models import OrgUnit
from kechuang.outreach.models import Commissioner, Dispatch, PopsciBase

TODAY = timezone.localdate()


@pytest.fixture
def city(db):
    return OrgUnit.objects.get(code="zibo", parent=None)


@pytest.fixture
def make(unit):
    """Small records built in the test: make.commissioner(region), make.dispatch(commissioner, region), …"""

    class Make:
        def commissioner(self, region="zhangdian", **kw):
            data = {
                "name": "王明",
                "field": "horticulture",
                "expertise": "苹果矮砧密植",
                "employer_kind": "university",
                "employer_name": "山东理工大学",
                "region": unit(region),
                "department": unit("science_tech"),
            } | kw
            return Commissioner.objects.create(**data)

        def dispatch(self, commissioner, region="zhangdian", **kw):
            data = {
                "kind": "village",
                "served_name": "东庄村",
                "village": "东庄村",
                "town": "中埠镇",
                "region": unit(region),
                "start": TODAY - dt.timedelta(days=200),
                "end": TODAY + dt.timedelta(days=200),
            } | kw
            return Dispatch.objects.create(commissioner=commissioner, **data)

        def base(self, region="zhangdian", name="测试科普基地", **kw):
            data = {
                "name": name,
                "organisation": "测试单位",
                "category": "venue",
                "level": "city",
                "recognised_year": 2020,
                "region": unit(region),
                "department": unit("sci_association"),
            } | kw
            return PopsciBase.objects.create(**data)

    return Make()
