"""Checklist item 13: phones and e-mails are stored encrypted (SM4-GCM by default): neither `dumpdata` nor a raw SQL
select shows them; lookups work through the blind index; the audit diffs hold no clear value; the data migration
encrypts rows written before it and its reverse restores them."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection

from kechuang.core import crypto, services
from kechuang.core.encrypted import blind_lookup, rewrite_rows
from kechuang.core.models import AuditEntry, Liaison
from kechuang.techmarket.models import Achievement, Demand, Expert
from tests.techmarket import factories as f

pytestmark = pytest.mark.django_db

PHONE, EMAIL = "13812345678", "wang.wu@example.com"
CLEAR = (PHONE, EMAIL, "13805331234", "13905339876", "13605331111", "zhao@example.edu.cn")


@pytest.fixture
def people(persona, unit):
    liaison = services.liaison_create(
        actor=persona("bureau_staff"), org_unit=unit("zhangdian"), name="王五", phone=PHONE, email=EMAIL
    )
    return liaison, f.achievement(), f.demand(), f.expert()


def _raw_rows(model, columns) -> list[tuple]:
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(q(c) for c in columns)} FROM {q(model._meta.db_table)}")
        return cursor.fetchall()


def test_item_13_dumpdata_holds_no_plaintext_phone_or_email(people):
    out = io.StringIO()
    call_command(
        "dumpdata", "core.liaison", "techmarket.achievement", "techmarket.demand", "techmarket.expert", stdout=out
    )
    dump = out.getvalue()
    for clear in CLEAR:
        assert clear not in dump
    rows = json.loads(dump)
    liaison = next(r for r in rows if r["model"] == "core.liaison")
    assert liaison["fields"]["phone"].startswith("v1:k1:sm4gcm:")


def test_item_13_raw_sql_select_holds_no_plaintext(people):
    stored = [
        *_raw_rows(Liaison, ["phone", "email", "phone_bidx"]),
        *_raw_rows(Achievement, ["contact_name", "contact_phone", "contact_email"]),
        *_raw_rows(Demand, ["contact_name", "contact_phone", "contact_email"]),
        *_raw_rows(Expert, ["phone", "email"]),
    ]
    text = repr(stored)
    for clear in (*CLEAR, "王五"):
        assert clear not in text
    assert all(v == "" or crypto.is_ciphertext(v) for row in stored for v in row[:1])


def test_item_13_model_reads_the_clear_value_and_validation_runs_on_it(people):
    liaison = Liaison.objects.get(pk=people[0].pk)
    assert (liaison.phone, liaison.email) == (PHONE, EMAIL)
    from django.core.exceptions import ValidationError

    liaison.phone = "12345"
    with pytest.raises(ValidationError) as err:
        liaison.full_clean()
    assert "phone" in err.value.message_dict


def test_item_13_blind_index_lookup_finds_the_row(people):
    liaison = people[0]
    assert list(Liaison.objects.filter(**blind_lookup(Liaison, "phone", "138 1234 5678"))) == [liaison]
    assert list(Liaison.objects.filter(**blind_lookup(Liaison, "email", " Wang.Wu@Example.com"))) == [liaison]
    assert not Liaison.objects.filter(**blind_lookup(Liaison, "phone", "13812345679")).exists()
    # the index is a keyed MAC, not the number
    assert PHONE not in Liaison.objects.values_list("phone_bidx", flat=True).get(pk=liaison.pk)


def test_item_13_audit_diffs_hold_no_clear_personal_data(people, persona):
    liaison = people[0]
    services.liaison_update(actor=persona("bureau_staff"), liaison=liaison, phone="13900001111")
    logged = json.dumps(list(AuditEntry.objects.values_list("changes", flat=True)), ensure_ascii=False)
    for clear in (*CLEAR, "13900001111"):
        assert clear not in logged
    assert "139****1111" in logged and "_bidx" not in logged


def test_item_13_data_migration_encrypts_old_rows_and_reverses(people):
    liaison = people[0]
    # As before the migration: the clear value in the column.
    rewrite_rows(Liaison, ["phone", "email"], encrypt=False)
    assert _raw_rows(Liaison, ["phone"]) == [(PHONE,)]
    assert Liaison.objects.get(pk=liaison.pk).phone == PHONE  # a clear row still reads
    rewrite_rows(Liaison, ["phone", "email"], encrypt=True)
    (stored,) = _raw_rows(Liaison, ["phone"])
    assert crypto.is_ciphertext(stored[0]) and Liaison.objects.get(pk=liaison.pk).phone == PHONE
    assert Liaison.objects.filter(**blind_lookup(Liaison, "phone", PHONE)).exists()


def test_item_13_the_migrations_data_step_encrypts_and_its_reverse_restores(people):
    """The RunPython of the crypto migrations of both apps, run backwards then forwards on the current tables."""
    from importlib import import_module

    from django.apps import apps

    steps = [
        op
        for name in (
            "kechuang.core.migrations.0007_crypto_encrypted_personal_fields",
            "kechuang.techmarket.migrations.0008_crypto_encrypted_personal_fields",
        )
        for op in import_module(name).Migration.operations
        if getattr(op, "code", None) is not None and getattr(op, "reverse_code", None) is not None
    ]
    data_steps = [op for op in steps if op.code.__name__ == "<lambda>"]  # not the notice seed
    for op in data_steps:
        op.reverse_code(apps, None)
    assert (PHONE, EMAIL) in _raw_rows(Liaison, ["phone", "email"])
    assert ("13605331111",) in _raw_rows(Expert, ["phone"])
    for op in data_steps:
        op.code(apps, None)
    text = repr([*_raw_rows(Liaison, ["phone", "email"]), *_raw_rows(Expert, ["phone", "email"])])
    assert PHONE not in text and "13605331111" not in text
    assert Expert.objects.get(pk=people[3].pk).phone == "13605331111"
    assert Expert.objects.filter(**blind_lookup(Expert, "phone", "13605331111")).exists()
