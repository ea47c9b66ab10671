"""Checklist item 18: SM3/SM4 known answers (GB/T 32905, GB/T 32907) and decryption after key rotation."""

from __future__ import annotations

import base64
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kechuang.core import crypto

KEY_A = base64.b64encode(b"A" * 32).decode()
KEY_B = base64.b64encode(b"B" * 32).decode()
INDEX = base64.b64encode(b"I" * 32).decode()


def ring(spec: str) -> crypto.KeyRing:
    return crypto.KeyRing.parse(spec, INDEX)


def test_item_18_sm3_known_answer_abc():
    expected = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert crypto.sm3(b"abc").hex() == expected


def test_item_18_sm3_known_answer_64_bytes():
    # GB/T 32905 appendix A, example 2: "abcd" repeated 16 times.
    expected = "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    assert crypto.sm3(b"abcd" * 16).hex() == expected


def test_item_18_sm4_known_answer_block():
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    assert crypto.sm4_ecb_block(key, key).hex() == "681edf34d206965e86b3e94f536e4246"


def test_item_18_hmac_sm3_matches_its_definition():
    # HMAC per RFC 2104 over SM3 (64-byte block), computed by hand from the SM3 primitive.
    key, msg = b"k" * 20, b"message"
    k = key.ljust(64, b"\0")
    inner = crypto.sm3(bytes(b ^ 0x36 for b in k) + msg)
    assert crypto.hmac_sm3(key, msg) == crypto.sm3(bytes(b ^ 0x5C for b in k) + inner)


@pytest.mark.parametrize(("alg", "name"), [("sm4gcm", "sm4gcm"), ("aes256gcm", "aes256gcm")])
def test_item_18_ciphertext_names_version_key_and_algorithm(alg, name):
    token = crypto.FieldCipher(ring(f"k1:{KEY_A}"), alg).encrypt("13812345678", context="x.y")
    version, kid, named, _nonce, _body = token.split(":")
    assert (version, kid, named) == ("v1", "k1", name)
    assert "13812345678" not in token


@given(st.text(max_size=200))
def test_item_18_round_trip_both_backends(text):
    for alg in ("sm4gcm", "aes256gcm"):
        c = crypto.FieldCipher(ring(f"k1:{KEY_A}"), alg)
        assert c.decrypt(c.encrypt(text, context="m.f"), context="m.f") == text


def test_item_18_decrypts_after_key_rotation_and_backend_switch():
    old = crypto.FieldCipher(ring(f"k1:{KEY_A}"), "sm4gcm").encrypt("a@example.com", context="m.f")
    rotated = crypto.FieldCipher(ring(f"k2:{KEY_B},k1:{KEY_A}"), "aes256gcm")
    assert rotated.decrypt(old, context="m.f") == "a@example.com"
    assert not rotated.is_current(old)
    new = rotated.encrypt("a@example.com", context="m.f")
    assert new.startswith("v1:k2:aes256gcm:") and rotated.is_current(new)
    # A ring that dropped k1 can no longer read the old value: rotation must run before a key is retired.
    with pytest.raises(crypto.CryptoError):
        crypto.FieldCipher(ring(f"k2:{KEY_B}"), "sm4gcm").decrypt(old, context="m.f")


def test_item_18_tampered_or_moved_ciphertext_is_refused():
    c = crypto.FieldCipher(ring(f"k1:{KEY_A}"), "sm4gcm")
    token = c.encrypt("13812345678", context="app.model.phone")
    with pytest.raises(crypto.CryptoError):
        c.decrypt(token, context="app.model.email")  # bound to its column
    head, body = token.rsplit(":", 1)
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    with pytest.raises(crypto.CryptoError):
        c.decrypt(f"{head}:{flipped}", context="app.model.phone")


@pytest.mark.parametrize(
    "spec",
    ["", "k1", "k1:" + base64.b64encode(b"short").decode(), ":" + KEY_A],
)
def test_item_18_bad_key_ring_is_refused_with_a_message(spec):
    with pytest.raises(ValueError, match="KECHUANG_FIELD_KEYS"):
        ring(spec)


# ---------------------------------------------------------------- rotation of the stored data
def _raw_phones() -> list[str]:
    from django.db import connection

    from kechuang.core.models import Liaison

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT phone FROM {Liaison._meta.db_table}")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
def test_item_18_rotate_field_keys_re_encrypts_and_data_decrypts_after_rotation(persona, unit, settings):
    from django.core.management import call_command

    from kechuang.core import services
    from kechuang.core.encrypted import blind_lookup
    from kechuang.core.models import AuditEntry, Liaison

    old_ring = crypto.key_ring()
    old = ",".join(f"{kid}:{base64.b64encode(key).decode()}" for kid, key in old_ring.keys)
    index = base64.b64encode(old_ring.index_key).decode()
    liaison = services.liaison_create(
        actor=persona("bureau_staff"), org_unit=unit("zhangdian"), name="王五", phone="13812345678"
    )
    assert all(v.startswith(f"v1:{old_ring.current_id}:sm4gcm:") for v in _raw_phones() if v)

    settings.KECHUANG_BLIND_INDEX_KEY = index
    settings.KECHUANG_FIELD_KEYS = f"k9:{KEY_B},{old}"  # a new current key; the old one still readable
    assert Liaison.objects.get(pk=liaison.pk).phone == "13812345678"  # before rotation: the old key decrypts
    out = io.StringIO()
    call_command("rotate_field_keys", stdout=out)
    assert "current key k9" in out.getvalue()
    assert all(v.startswith("v1:k9:sm4gcm:") for v in _raw_phones() if v)
    rerun = io.StringIO()
    call_command("rotate_field_keys", stdout=rerun)
    assert "0 rows rewritten" in rerun.getvalue()  # idempotent
    assert AuditEntry.objects.filter(object_type="core.fieldkeys", detail__key_id="k9").count() == 2

    settings.KECHUANG_FIELD_KEYS = f"k9:{KEY_B}"  # the old key retired
    assert Liaison.objects.get(pk=liaison.pk).phone == "13812345678"
    assert Liaison.objects.filter(**blind_lookup(Liaison, "phone", "13812345678")).exists()


def test_item_18_production_refuses_to_start_without_keys(settings):
    from kechuang.core.crypto_checks import field_keys_check

    settings.PRODUCTION = True
    settings.KECHUANG_FIELD_KEYS = ""
    assert [e.id for e in field_keys_check()] == ["core.E101"]
    settings.KECHUANG_FIELD_KEYS, settings.KECHUANG_BLIND_INDEX_KEY = "k1:short", INDEX
    assert [e.id for e in field_keys_check()] == ["core.E102"]
    settings.KECHUANG_FIELD_KEYS = f"k1:{KEY_A}"
    assert field_keys_check() == []
