"""The description of one vendor operation, as the generated table lists it."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Operation:
    operation_id: str
    method: str
    path: str
    tag: str
    summary: str
    security: tuple[str, ...] | None
    """``None``: open to anyone; ``()``: any valid token; otherwise one of these scopes."""

    @property
    def is_public(self) -> bool:
        return self.security is None
