"""Encrypted model fields (checklist item 13): the column holds `v1:<key id>:<alg>:<nonce>:<ciphertext>` from
`core.crypto.cipher()`, the attribute holds the clear value, so validators, forms and imports see the clear value
and nothing else changes for users. Lookups go through a companion `BlindIndexField` (`<name>_bidx`, a keyed MAC of
the normalised value): `Model.objects.filter(**blind_lookup(Model, "contact_phone", value))`."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core import validators
from django.db import models

from kechuang.core import crypto


def normalise_phone(value: str) -> str:
    """Blanks, dashes and brackets do not make another number."""
    return re.sub(r"[\s\-()（）]", "", value or "")


def normalise_email(value: str) -> str:
    return (value or "").strip().casefold()


class EncryptedCharField(models.CharField):
    """A CharField encrypted at rest. `max_length` bounds the clear value (validation, forms); the column is text.
    Empty strings stay empty (nothing to hide, and `blank=True` keeps working)."""

    normalise = staticmethod(normalise_phone)

    def get_internal_type(self) -> str:
        return "TextField"

    def db_type(self, connection: Any) -> str | None:
        return connection.data_types["TextField"] % {}

    def _context(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if not crypto.is_ciphertext(value):
            return value  # empty, or a row written before the data migration encrypted it
        return crypto.cipher().decrypt(value, context=self._context())

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value or crypto.is_ciphertext(value):
            return value
        return crypto.cipher().encrypt(str(value), context=self._context())

    def value_to_string(self, obj: models.Model) -> str:
        """Serialisers (dumpdata, backups) write the ciphertext, never the clear value; loading it back stores it
        unchanged (`get_prep_value` passes ciphertexts through)."""
        return self.get_prep_value(self.value_from_object(obj)) or ""

    def clear(self, value: Any) -> str:
        """The clear value of an attribute that may still hold a ciphertext (just deserialised)."""
        if crypto.is_ciphertext(value):
            return crypto.cipher().decrypt(value, context=self._context())
        return str(value or "")

    def blind_index(self, value: Any) -> str:
        clear = self.normalise(self.clear(value))
        return crypto.mac().hexdigest(f"{self._context()}|{clear}".encode()) if clear else ""

    def formfield(self, **kwargs: Any) -> forms.Field:
        return super().formfield(**{"widget": forms.TextInput, **kwargs})


class EncryptedEmailField(EncryptedCharField):
    """An e-mail address encrypted at rest; validated and normalised as an e-mail."""

    default_validators = [validators.validate_email]
    normalise = staticmethod(normalise_email)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 254)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs: Any) -> forms.Field:
        return super().formfield(**{"form_class": forms.EmailField, **kwargs})


class BlindIndexField(models.CharField):
    """The keyed MAC of another encrypted field's normalised value, recomputed on every save (also `update_fields`
    saves that name the source field: `pre_save` reads the source)."""

    def __init__(self, *args: Any, source: str = "", **kwargs: Any) -> None:
        self.source = source
        kwargs.update(max_length=64, blank=True, editable=False, db_index=True, default="")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[str, str, list[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        for key in ("max_length", "blank", "editable", "db_index", "default"):
            kwargs.pop(key, None)
        kwargs["source"] = self.source
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        source = model_instance._meta.get_field(self.source)
        value = source.blind_index(getattr(model_instance, source.attname))
        setattr(model_instance, self.attname, value)
        return value


def blind_lookup(model: type[models.Model], name: str, value: Any) -> dict[str, str]:
    """Filter kwargs finding rows whose encrypted field `name` equals `value` (after normalisation)."""
    field = model._meta.get_field(name)
    return {f"{name}_bidx": field.blind_index(value)}


def encrypted_fields(model: type[models.Model]) -> list[EncryptedCharField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedCharField)]


def rewrite_rows(model: type[models.Model], names: list[str], *, encrypt: bool, batch: int = 500) -> int:
    """Rewrite the named encrypted columns of every row: encrypted with the current key and re-indexed (`encrypt`),
    or back to clear text with empty indexes (reversing the data migration). Raw UPDATEs, so it works on the
    historical models of a migration too; the caller holds the transaction. Returns the rows changed."""
    pks = list(model._default_manager.order_by("pk").values_list("pk", flat=True))
    changed = 0
    for start in range(0, len(pks), batch):
        changed += rewrite_rows_for(model, names, pks[start : start + batch], encrypt=encrypt)
    return changed


def rewrite_rows_for(model: type[models.Model], names: list[str], pks: list[Any], *, encrypt: bool = True) -> int:
    """`rewrite_rows` for the rows `pks` only."""
    from django.db import connections, router

    fields = [model._meta.get_field(n) for n in names]
    index_of = {f.name: _index_column(model, f.name) for f in fields}
    connection = connections[router.db_for_write(model)]
    q = connection.ops.quote_name
    changed = 0
    if pks:
        for row in model._default_manager.filter(pk__in=pks).values_list("pk", *names):
            pk, values = row[0], row[1:]
            sets, params = [], []
            for field, clear in zip(fields, values, strict=True):
                clear = clear or ""
                stored = (field.get_prep_value(clear) if encrypt else clear) if clear else ""
                sets.append(f"{q(field.column)} = %s")
                params.append(stored)
                if index_of[field.name]:
                    sets.append(f"{q(index_of[field.name])} = %s")
                    params.append(field.blind_index(clear) if encrypt else "")
            with connection.cursor() as cursor:
                # Table and column names come from model metadata, quoted; the values are bound.
                table, key = q(model._meta.db_table), q(model._meta.pk.column)
                statement = f"UPDATE {table} SET {', '.join(sets)} WHERE {key} = %s"  # nosec B608
                cursor.execute(statement, [*params, pk])
            changed += 1
    return changed


def _index_column(model: type[models.Model], name: str) -> str:
    try:
        return model._meta.get_field(f"{name}_bidx").column
    except Exception:
        return ""


def migration_operation(app_label: str, fields: dict[str, list[str]]) -> Any:
    """The RunPython of a data migration that encrypts `fields` ({model name: [field names]}) of existing rows;
    reversible (writes the clear values back)."""
    from django.db import migrations

    def run(apps: Any, schema_editor: Any, *, encrypt: bool) -> None:
        for model_name, names in fields.items():
            rewrite_rows(apps.get_model(app_label, model_name), names, encrypt=encrypt)

    return migrations.RunPython(
        lambda apps, se: run(apps, se, encrypt=True), lambda apps, se: run(apps, se, encrypt=False), elidable=False
    )


def rotate_model(model: type[models.Model], *, batch: int = 500) -> int:
    """Re-encrypt with the current key (and algorithm) every row of `model` holding a value under another one; rows
    already current are left alone, so a second run changes nothing. Reads the raw columns (the attribute would
    hide which key wrote them); the caller holds the transaction. Returns the rows rewritten."""
    from django.db import connections, router

    fields = encrypted_fields(model)
    if not fields:
        return 0
    cipher = crypto.cipher()
    connection = connections[router.db_for_write(model)]
    q = connection.ops.quote_name
    table, pk = q(model._meta.db_table), q(model._meta.pk.column)
    columns = ", ".join(q(f.column) for f in fields)
    with connection.cursor() as cursor:
        # Table and column names come from model metadata, quoted; no value is in the statement.
        cursor.execute(f"SELECT {pk}, {columns} FROM {table} ORDER BY {pk}")  # nosec B608
        rows = cursor.fetchall()
    stale = [row[0] for row in rows if any(v and not cipher.is_current(v) for v in row[1:])]
    for start in range(0, len(stale), batch):
        rewrite_rows_for(model, [f.name for f in fields], stale[start : start + batch])
    return len(stale)
