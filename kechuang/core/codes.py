"""Code lists shared by the modules: one code and one label per concept, whatever app stores it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TechField(models.TextChoices):
    """The 8 fields of 《国家重点支持的高新技术领域》 (国科发火〔2016〕32号 附件): an enterprise's high-tech field
    and the field of an achievement, a demand or an expert."""

    ELECTRONIC_INFO = "electronic_info", _("Electronic information")
    BIOMEDICINE = "biomedicine", _("Biotechnology and new medicine")
    AEROSPACE = "aerospace", _("Aerospace")
    NEW_MATERIALS = "new_materials", _("New materials")
    HIGH_TECH_SERVICES = "high_tech_services", _("High-tech services")
    NEW_ENERGY = "new_energy", _("New energy and energy saving")
    ENVIRONMENT = "environment", _("Resources and environment")
    ADVANCED_MANUFACTURING = "advanced_manufacturing", _("Advanced manufacturing and automation")


# The catalogue's own headings, as staff copy them into a workbook: accepted by imports beside the labels and codes.
TECH_FIELD_HEADINGS = {
    "一、电子信息": TechField.ELECTRONIC_INFO,
    "二、生物与新医药": TechField.BIOMEDICINE,
    "三、航空航天": TechField.AEROSPACE,
    "四、新材料": TechField.NEW_MATERIALS,
    "五、高技术服务": TechField.HIGH_TECH_SERVICES,
    "六、新能源与节能": TechField.NEW_ENERGY,
    "七、资源与环境": TechField.ENVIRONMENT,
    "八、先进制造与自动化": TechField.ADVANCED_MANUFACTURING,
}


def tech_field_column(verbose_name: str, **kwargs) -> models.CharField:
    """A model field holding a TechField code (one width and one choice list everywhere)."""
    return models.CharField(verbose_name, max_length=32, choices=TechField.choices, **kwargs)
