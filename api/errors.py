"""Errors raised by the console's stores (users, audit, flags, saved searches, reports ...).

    ConsoleError          anything console state refuses; carries a readable message
    ├── RecordNotFound    the user, key, flag or saved search named does not exist   -> 404
    ├── RecordConflict    it exists already, or its state forbids the change         -> 409
    ├── InvalidRecord     the values given break a rule (role, password, category)    -> 422
    └── Unavailable       something the store needs is missing or broken (the flag
                          categories' taxonomy file)                                 -> 503

The stores know nothing of HTTP; `api.error_handlers` turns these into responses with the
status on the right and the message as `detail`, and the CLI prints the message.
"""

from __future__ import annotations


class ConsoleError(Exception):
    """Base class of the errors of the console's stores."""


class RecordNotFound(ConsoleError):
    pass


class RecordConflict(ConsoleError):
    pass


class InvalidRecord(ConsoleError):
    pass


class Unavailable(ConsoleError):
    pass
