"""Secrets nukiweb must use again, not only check (webhook signing secrets, OAuth client
secrets), encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``).

The key comes from ``NUKIWEB_SECRET_KEY`` (a Fernet key: 32 url-safe base64-encoded bytes), or
from ``nukiweb.key`` in the data directory, made on first start. Several server instances on one
PostgreSQL database must share the key: set the variable on each.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

KEY_ENV = "NUKIWEB_SECRET_KEY"
KEY_FILE = "nukiweb.key"


class SecretBox:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> SecretBox:
        configured = os.environ.get(KEY_ENV)
        if configured:
            return cls(configured.encode())
        path = data_dir / KEY_FILE
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as file:
                file.write(Fernet.generate_key())
        return cls(path.read_bytes().strip())

    @classmethod
    def ephemeral(cls) -> SecretBox:
        """A key that lives as long as the process: for tests and in-memory use."""
        return cls(Fernet.generate_key())

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise ValueError("a stored secret cannot be decrypted with this key") from None
