"""The one cryptography module (security-baseline.md §4 商用密码): a `FieldCipher` for personal fields at rest and a
`Mac` for blind indexes, with two backends chosen by KECHUANG_CRYPTO_BACKEND:

- `sm` (default): SM4-GCM (GB/T 32907) and HMAC-SM3 (GB/T 32905);
- `intl`: AES-256-GCM and HMAC-SHA256.

A ciphertext names its format version, key id and algorithm, `v1:<key_id>:<alg>:<nonce>:<ciphertext+tag>` (nonce
and ciphertext in URL-safe base64), so old keys and the other backend still decrypt after a rotation or a switch.
Keys come from a key ring: KECHUANG_FIELD_KEYS="k2:<base64>,k1:<base64>" (the first is current) and
KECHUANG_BLIND_INDEX_KEY=<base64>; in development both are generated once into KECHUANG_VAR_DIR. Pure: no models.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = "v1"
PREFIX = VERSION + ":"
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_BYTES = {"sm4gcm": 16, "aes256gcm": 32}
BACKENDS = {"sm": ("sm4gcm", "hmac-sm3"), "intl": ("aes256gcm", "hmac-sha256")}


class CryptoError(Exception):
    """A ciphertext that cannot be read: unknown key id or algorithm, or it was tampered with."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# ---------------------------------------------------------------- primitives
def sm3(data: bytes) -> bytes:
    """SM3 digest: OpenSSL's through hashlib when it has one, else `cryptography`'s."""
    try:
        return hashlib.new("sm3", data).digest()
    except ValueError:  # pragma: no cover - OpenSSL built without SM3
        h = hashes.Hash(hashes.SM3())
        h.update(data)
        return h.finalize()


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    try:
        return hmac.new(key, data, "sm3").digest()
    except ValueError:  # pragma: no cover - OpenSSL without SM3: cryptography's HMAC
        from cryptography.hazmat.primitives import hmac as chmac

        h = chmac.HMAC(key, hashes.SM3())
        h.update(data)
        return h.finalize()


def sm4_ecb_block(key: bytes, block: bytes) -> bytes:
    """One raw SM4 block: only for the known-answer test of GB/T 32907 (never used on data)."""
    enc = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # nosec B305 - one-block known-answer test only
    return enc.update(block) + enc.finalize()


def _seal(alg: str, key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    if alg == "sm4gcm":
        enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
        enc.authenticate_additional_data(aad)
        return enc.update(plaintext) + enc.finalize() + enc.tag
    if alg == "aes256gcm":
        return AESGCM(key).encrypt(nonce, plaintext, aad)
    raise CryptoError(f"unknown algorithm {alg!r}")


def _open(alg: str, key: bytes, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
    from cryptography.exceptions import InvalidTag

    try:
        if alg == "sm4gcm":
            body, tag = sealed[:-TAG_BYTES], sealed[-TAG_BYTES:]
            dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
            dec.authenticate_additional_data(aad)
            return dec.update(body) + dec.finalize()
        if alg == "aes256gcm":
            return AESGCM(key).decrypt(nonce, sealed, aad)
    except (InvalidTag, ValueError) as exc:
        raise CryptoError("ciphertext does not authenticate") from exc
    raise CryptoError(f"unknown algorithm {alg!r}")


# ---------------------------------------------------------------- key ring
@dataclass(frozen=True)
class KeyRing:
    """Field keys by id (the first is current) and the blind-index key. Keys are raw bytes; each algorithm takes
    the bytes it needs (SM4: 16, AES-256: 32), so one 32-byte key serves both backends."""

    keys: tuple[tuple[str, bytes], ...]
    index_key: bytes

    @property
    def current_id(self) -> str:
        return self.keys[0][0]

    def key(self, key_id: str) -> bytes:
        for kid, key in self.keys:
            if kid == key_id:
                return key
        raise CryptoError(f"no key {key_id!r} in the key ring")

    @classmethod
    def parse(cls, field_keys: str, index_key: str) -> KeyRing:
        """'k2:<b64>,k1:<b64>' and '<b64>'; raises ValueError naming what is wrong."""
        keys = []
        for item in (part.strip() for part in field_keys.split(",")):
            if not item:
                continue
            kid, sep, material = item.partition(":")
            if not sep or not kid or ":" in kid:
                raise ValueError(f"KECHUANG_FIELD_KEYS: {item[:8]}… is not <id>:<base64>")
            raw = base64.b64decode(material)
            if len(raw) < 32:
                raise ValueError(f"KECHUANG_FIELD_KEYS: key {kid} has {len(raw)} bytes, needs 32")
            keys.append((kid, raw))
        if not keys:
            raise ValueError("KECHUANG_FIELD_KEYS holds no key")
        index = base64.b64decode(index_key) if index_key else b""
        if len(index) < 32:
            raise ValueError("KECHUANG_BLIND_INDEX_KEY must hold at least 32 bytes (base64)")
        return cls(keys=tuple(keys), index_key=index)


def new_key_b64() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def development_key_file(var_dir: Path) -> dict[str, str]:
    """Development only: the key file under var/, created once (mode 600)."""
    path = Path(var_dir) / "field_keys.json"
    if not path.exists():
        write_private(path, json.dumps({"field_keys": "k1:" + new_key_b64(), "index_key": new_key_b64()}))
    return json.loads(path.read_text())


def write_private(path: Path, text: str) -> None:
    """Create `path` readable by its owner only from the first byte (a write then chmod leaves a window)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


# ---------------------------------------------------------------- interfaces
class FieldCipher:
    """Encrypts one field value (text) with the current key; decrypts any key of the ring and either algorithm."""

    def __init__(self, ring: KeyRing, alg: str) -> None:
        if alg not in KEY_BYTES:
            raise CryptoError(f"unknown algorithm {alg!r}")
        self.ring, self.alg = ring, alg

    def encrypt(self, plaintext: str, *, context: str = "") -> str:
        kid = self.ring.current_id
        key = self.ring.key(kid)[: KEY_BYTES[self.alg]]
        nonce = os.urandom(NONCE_BYTES)
        # The header and the field's context are bound into the tag: a ciphertext moved to another column or
        # relabelled with another key id fails to decrypt.
        aad = f"{VERSION}:{kid}:{self.alg}:{context}".encode()
        sealed = _seal(self.alg, key, nonce, plaintext.encode(), aad)
        return f"{VERSION}:{kid}:{self.alg}:{_b64(nonce)}:{_b64(sealed)}"

    def decrypt(self, token: str, *, context: str = "") -> str:
        parts = token.split(":")
        if len(parts) != 5 or parts[0] != VERSION:
            raise CryptoError("not a v1 ciphertext")
        _, kid, alg, nonce, sealed = parts
        if alg not in KEY_BYTES:
            raise CryptoError(f"unknown algorithm {alg!r}")
        key = self.ring.key(kid)[: KEY_BYTES[alg]]
        aad = f"{VERSION}:{kid}:{alg}:{context}".encode()
        return _open(alg, key, _unb64(nonce), _unb64(sealed), aad).decode()

    def is_current(self, token: str) -> bool:
        """Was `token` written with the current key and algorithm (rotation skips it)?"""
        return token.startswith(f"{VERSION}:{self.ring.current_id}:{self.alg}:")


class Mac:
    """A keyed MAC (blind indexes; hex output names no algorithm, so the index key and backend stay fixed)."""

    def __init__(self, key: bytes, alg: str) -> None:
        self.key, self.alg = key, alg

    def hexdigest(self, data: bytes) -> str:
        if self.alg == "hmac-sm3":
            return hmac_sm3(self.key, data).hex()
        if self.alg == "hmac-sha256":
            return hmac.new(self.key, data, hashlib.sha256).hexdigest()
        raise CryptoError(f"unknown MAC {self.alg!r}")


def is_ciphertext(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX) and value.count(":") == 4


# ---------------------------------------------------------------- configured instances
def _settings():
    from django.conf import settings

    return settings


@lru_cache(maxsize=1)
def key_ring() -> KeyRing:
    """The ring from the environment, or in development the generated key file."""
    s = _settings()
    field_keys, index_key = getattr(s, "KECHUANG_FIELD_KEYS", ""), getattr(s, "KECHUANG_BLIND_INDEX_KEY", "")
    if not field_keys and not getattr(s, "PRODUCTION", False):
        stored = development_key_file(s.VAR_DIR)
        field_keys, index_key = stored["field_keys"], index_key or stored["index_key"]
    return KeyRing.parse(field_keys, index_key)


def backend() -> str:
    return getattr(_settings(), "KECHUANG_CRYPTO_BACKEND", "sm")


def cipher() -> FieldCipher:
    return FieldCipher(key_ring(), BACKENDS[backend()][0])


def mac() -> Mac:
    return Mac(key_ring().index_key, BACKENDS[backend()][1])


def reset() -> None:
    """Forget the cached key ring (tests and `rotate_field_keys` after the settings change)."""
    key_ring.cache_clear()
