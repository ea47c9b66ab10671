from django import template
from django.utils.translation import gettext_lazy as _

from kechuang.core.codes import TechField
from kechuang.techmarket import workflow

register = template.Library()

ACTION_LABELS = {
    workflow.CONTACT: _("Record contact made"),
    workflow.NEGOTIATE: _("Start negotiation"),
    workflow.SIGN: _("Record contract signed"),
    workflow.CLOSE: _("Close without contract"),
    workflow.SUBMIT: _("Submit for registration"),
    workflow.REQUEST_CORRECTION: _("Send back for correction"),
    workflow.ACCEPT: _("Accept the application"),
    workflow.SEND_TO_EXPERTS: _("Send to expert review"),
    workflow.REGISTER: _("Approve and register"),
    workflow.REFUSE: _("Refuse registration"),
    workflow.CANCEL: _("Cancel the registration"),
}
DANGER = {workflow.CLOSE, workflow.REFUSE, workflow.CANCEL, workflow.REQUEST_CORRECTION}
FIELD_LABELS = dict(TechField.choices)


@register.filter
def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


@register.filter
def action_is_danger(action: str) -> bool:
    return action in DANGER


@register.filter
def field_label(code: str) -> str:
    return FIELD_LABELS.get(code, code)


@register.filter
def wan(value) -> str:
    if value is None or value == "":
        return "—"
    return f"{value:,.2f}"


@register.filter
def join_terms(values) -> str:
    return ",".join(values or [])


@register.filter
def get_item(mapping, key):
    return mapping.get(key, key) if mapping else key
