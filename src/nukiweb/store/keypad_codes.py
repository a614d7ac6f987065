"""Keypad codes at rest. A keypad code opens a door: the store holds it sealed (readable again,
with nukiweb's secret key, by those who may read its authorization) and as a keyed digest per
device, by which a typed code finds its authorization and which keeps codes unique on their
device (a unique key), without any code being stored in clear."""

from __future__ import annotations

from nukiweb.secretbox import SecretBox


def digest(box: SecretBox, smartlock_id: int, code: int) -> str:
    """The code's digest on this device (the same code differs from one device to another)."""
    return box.digest(f"keypad code:{smartlock_id}:{code}")


def at_rest(box: SecretBox, smartlock_id: int, code: int | None) -> dict[str, str | None]:
    """The columns that hold an authorization's ``code``: ``code_digest`` and ``code_box``."""
    if code is None:
        return {"code_digest": None, "code_box": None}
    return {"code_digest": digest(box, smartlock_id, code), "code_box": box.seal(str(code))}


def opened(box: SecretBox, code_box: str | None) -> int | None:
    return None if code_box is None else int(box.open(code_box))
