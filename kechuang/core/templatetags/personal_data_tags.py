"""`{% unmask_form obj %}`: the 显示完整信息 form for a record, shown only to whoever may unmask it;
`{% export_purpose_form url %}`: the export-with-full-details form, for whoever may unmask lists."""

from __future__ import annotations

from typing import Any

from django import template

from kechuang.core import personal_data

register = template.Library()


@register.inclusion_tag("core/_unmask_slot.html", takes_context=True)
def unmask_form(context: Any, obj: Any) -> dict[str, Any]:
    request = context["request"]
    label = obj._meta.label_lower
    allowed = label in personal_data.UNMASKABLE and personal_data.can_unmask(request.user, obj)
    return {"obj": obj, "label": label, "allowed": allowed, "back": request.get_full_path()}


@register.inclusion_tag("core/_export_purpose.html", takes_context=True)
def export_purpose_form(context: Any, url: str) -> dict[str, Any]:
    request = context["request"]
    params = [(k, v) for k in request.GET for v in request.GET.getlist(k) if k not in ("page", "purpose")]
    return {"url": url, "params": params, "allowed": personal_data.can_unmask(request.user)}
