"""What a use case raises, in the workspace and in the services it hands out: LearningError when what was asked
cannot be done, SaveError (from store.db) when the computer failed to save it."""

from __future__ import annotations

import functools

from drillpad.store.db import save_error


class LearningError(ValueError):
    pass


def saves(method):
    """A use case that saves what the user did: a failure of the computer (a full disk, no write access, a busy
    database) is raised as SaveError (DiskFullError for a full disk), so callers need not know SQLite."""

    @functools.wraps(method)
    def saving(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:
            if (error := save_error(exc)) is None or error is exc:
                raise
            raise error from exc

    return saving
