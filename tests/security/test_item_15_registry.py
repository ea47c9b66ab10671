"""Checklist item 15: every field that looks personal is in the registry of personal-data fields (or on the
allow-list with a reason); every registration names a real field, a purpose, a legal basis and a masking."""

from __future__ import annotations

import re

from django.apps import apps
from django.db import models

from kechuang.core import personal_data
from kechuang.core.encrypted import BlindIndexField, EncryptedCharField

# Names that look like a person's data: contacts, ID numbers, addresses, birth dates, IP addresses, person names.
PERSONAL_NAME = re.compile(
    r"(phone|mobile|e_?mail|id_number|id_card|contact_|(^|_)ip($|_)|address|birth|first_name|last_name|full_name"
    r"|person_name|real_name|legal_rep|wechat|(^|_)tel($|_)|bank_account|passport)"
)


def looks_personal(field: models.Field) -> bool:
    return bool(PERSONAL_NAME.search(field.name)) or isinstance(
        field, models.EmailField | models.GenericIPAddressField | EncryptedCharField
    )


def unregistered(models_: list[type[models.Model]]) -> list[str]:
    missing = []
    for model in models_:
        label = model._meta.label_lower
        for field in model._meta.concrete_fields:
            key = (label, field.name)
            if isinstance(field, BlindIndexField):
                # A keyed MAC of another field: covered when that field is registered.
                key = (label, field.source)
            elif not looks_personal(field):
                continue
            if personal_data.get(*key) is None and key not in personal_data.NOT_PERSONAL:
                missing.append(f"{label}.{field.name}")
    return missing


def test_item_15_every_personal_looking_field_is_registered():
    assert unregistered(list(apps.get_models())) == []


def test_item_15_a_new_unregistered_personal_field_fails():
    class Applicant(models.Model):  # noqa: DJ008 - a throwaway model for the check
        id_number = models.CharField(max_length=18)
        home_address = models.CharField(max_length=200)
        title = models.CharField(max_length=20)

        class Meta:
            app_label = "core"
            managed = False

    try:
        assert unregistered([Applicant]) == ["core.applicant.id_number", "core.applicant.home_address"]
    finally:
        apps.all_models["core"].pop("applicant", None)
        apps.clear_cache()


def test_item_15_registrations_are_complete_and_real():
    for entry in personal_data.REGISTRY:
        model = apps.get_model(entry.model)
        field = model._meta.get_field(entry.field)  # raises if the registry names a field that does not exist
        assert entry.purpose and entry.legal_basis in {
            personal_data.STATUTORY,
            personal_data.CONSENT,
            personal_data.SECURITY_LOG,
        }
        assert entry.masking in {"phone", "email", "name", "id", "ip", "hidden"}, entry
        # "encrypted" says the truth about the column
        assert entry.encrypted == isinstance(field, EncryptedCharField), entry
        if entry.retention is not None:
            assert model._meta.get_field(entry.retention_from), entry
    for (label, name), reason in personal_data.NOT_PERSONAL.items():
        apps.get_model(label)._meta.get_field(name)
        assert len(reason) > 10


def test_item_15_phones_and_emails_are_encrypted():
    for entry in personal_data.REGISTRY:
        if entry.masking in ("phone", "email") and not entry.model.startswith(("axes.", "core.user")):
            assert entry.encrypted, entry
