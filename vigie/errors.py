"""Errors for humans: each says where, what, and where it can, how to fix it."""

from __future__ import annotations


class VigieError(Exception):
    """Base class; `str(err)` is the one line the CLI prints."""

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None) -> None:
        self.message = message
        self.where = where
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        return f"{text}; {self.hint}" if self.hint else text


class InputError(VigieError):
    """An article or file that cannot be read as one."""


class UnsupportedLanguage(VigieError):
    """A document in a language Vigie has no data for."""


class StoreError(VigieError):
    """The store cannot be opened, migrated or written."""


class ConfigError(VigieError):
    """Bad settings or bad language data."""


class AmbiguousId(StoreError):
    """An id prefix that matches several stored records."""
