"""Secrets nukiweb must use again, not only check (webhook signing secrets, OAuth client
secrets, keypad codes), encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256, from
``cryptography``); and keyed digests of values that must be found again without being stored
in clear (keypad codes): HMAC-SHA256 with a key derived from the same key by HKDF.

The key comes from ``NUKIWEB_SECRET_KEY`` (a Fernet key: 32 url-safe base64-encoded bytes), or
from ``nukiweb.key`` in the data directory, made on first start. Several server instances on one
PostgreSQL database must share the key: set the variable on each.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_ENV = "NUKIWEB_SECRET_KEY"
KEY_FILE = "nukiweb.key"


# What the digest key is derived for (HKDF's info): the key is used for nothing else.
_DIGEST_KEY_PURPOSE = b"nukiweb: digests of values found again by their digest"


class SecretBox:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)
        self._digest_key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=_DIGEST_KEY_PURPOSE
        ).derive(base64.urlsafe_b64decode(key))

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> SecretBox:
        configured = os.environ.get(KEY_ENV)
        if configured:
            return cls(configured.encode())
        path = data_dir / KEY_FILE
        if not path.exists():
            _make_key_file(path)
        return cls(path.read_bytes().strip())

    @classmethod
    def ephemeral(cls) -> SecretBox:
        """A key that lives as long as the process: for tests and in-memory use."""
        return cls(Fernet.generate_key())

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def digest(self, value: str) -> str:
        """The keyed digest of ``value`` (hex): the same for the same value and key, and
        without the key no way to tell which value it is, even among few possible ones."""
        return hmac.new(self._digest_key, value.encode(), hashlib.sha256).hexdigest()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise ValueError("a stored secret cannot be decrypted with this key") from None


def _make_key_file(path: Path) -> None:
    """A new key in ``path`` (owner-only), unless another process made one first. The key is
    written whole to a file of its own and then linked to its name, so that no process ever
    reads a key being written; the first link wins and every process uses its key."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # 0700 only if it makes it
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(Fernet.generate_key())
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
    finally:
        draft.unlink()
