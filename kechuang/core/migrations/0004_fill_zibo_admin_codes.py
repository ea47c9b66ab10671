"""Fill the administrative codes and the province of a database loaded before the policy file carried them.

The codes are those of policies/zibo-kefa-2023-22.yaml (re-loading that file sets the same values); a database
without that city is left alone. Functional zones carry their host district's code (tech-contracts.md §4.1).
"""

from django.db import migrations

CITY = ("zibo", "370300", "山东省", "370000")
REGIONS = {
    "zhangdian": "370303",
    "zichuan": "370302",
    "boshan": "370304",
    "zhoucun": "370306",
    "linzi": "370305",
    "huantai": "370321",
    "gaoqing": "370322",
    "yiyuan": "370323",
    "high_tech_zone": "370303",
    "econ_dev_zone": "370303",
    "wenchanghu": "370302",
    "southern_eco_city": "370304",
}


def fill(apps, schema_editor):
    OrgUnit = apps.get_model("core", "OrgUnit")
    code, city_code, province, province_code = CITY
    city = OrgUnit.objects.filter(code=code, parent=None).first()
    if city is None:
        return
    OrgUnit.objects.filter(pk=city.pk, admin_code="").update(
        admin_code=city_code, province_name=province, province_code=province_code
    )
    for unit in OrgUnit.objects.filter(parent=city, admin_code=""):
        unit.admin_code = REGIONS.get(unit.code, city_code) if unit.kind == "region" else city_code
        unit.save(update_fields=["admin_code"])


class Migration(migrations.Migration):
    dependencies = [("core", "0003_orgunit_admin_code_province")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
