"""The indicator entry and import pages on the catalogue alone (no demo series): an entry's revision needs a reason,
an import lists its row errors."""

from __future__ import annotations

import io

from django.urls import reverse

from kechuang.indicators.models import Observation


def test_entry_form_revision_flow(catalogue, client_as, unit):
    client = client_as("zhangdian_officer")
    url = reverse("indicators:observation_new")
    ind = catalogue["high_tech_enterprises"]
    data = {
        "indicator": ind.pk,
        "region": unit("zhangdian").pk,
        "year": 2024,
        "quarter": 0,
        "value": "400",
        "status": "preliminary",
        "source": "区科技局",
    }
    assert client.post(url, data).status_code == 302
    response = client.post(url, {**data, "value": "410"})
    assert response.status_code == 200 and response.context["form"].errors.get("reason")
    assert client.post(url, {**data, "value": "410", "reason": "核对后更正"}).status_code == 302
    obs = Observation.objects.get(indicator=ind, region=unit("zhangdian"), year=2024)
    history = client.get(reverse("indicators:observation_history", args=[obs.pk])).content.decode()
    assert "核对后更正" in history and "400" in history
    # The picker offers only the officer's own region.
    form = client.get(url).context["form"]
    assert [r.code for r in form.fields["region"].queryset] == ["zhangdian"]


def test_import_page_lists_row_errors(catalogue, client_as):
    client = client_as("bureau_staff")
    bad = io.BytesIO(b"indicator_code,region_code,year,value,source\nhigh_tech_enterprises,zibo,20x4,1,x\n")
    bad.name = "bad.csv"
    response = client.post(reverse("indicators:import"), {"file": bad}, follow=True)  # to the import job's page
    html = response.content.decode()
    assert 'data-testid="import-errors"' in html and "20x4" in html
    template = client.get(reverse("indicators:import_template"))
    assert template.status_code == 200 and template.content[:2] == b"PK"
