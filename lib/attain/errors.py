"""Errors a user can act on.

Every error that comes from bad input (a data file, a plan file, a parameter) is an
``AttainError``: its message names the file, the row/column/key and what to do. The CLI
prints it without a traceback and exits non-zero.
"""

from __future__ import annotations


class AttainError(Exception):
    """A problem in the user's input or setup, explained in words."""

    def __init__(self, message: str, *, file: object = None, where: str | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.where = where
        self.hint = hint

    def __str__(self) -> str:
        head = ": ".join(p for p in (self.file, self.where) if p)
        text = f"{head}: {self.message}" if head else self.message
        if self.hint:
            text += f"\n  What to do: {self.hint}"
        return text


class DataError(AttainError):
    """A data file or mapping does not meet the data contract."""


class DiskError(AttainError):
    """No room left to write a scratch or report file."""


class MetricError(AttainError):
    """A metric request that cannot be answered correctly."""


class ParameterError(AttainError):
    """A notebook or command parameter that is unknown or malformed."""


class RunError(AttainError):
    """A notebook run failed; the previous report was kept."""
