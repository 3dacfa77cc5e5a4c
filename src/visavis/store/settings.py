"""Deployment settings: values every server instance of one deployment must share.

A secret such as the webhook signing secret or the join-token secret is made once, on first use,
and stored, so all instances (and every restart) sign and check with the same one without any
set-up step.
"""

from __future__ import annotations

import secrets

from sqlalchemy.exc import IntegrityError

from .core import StoreCore
from .models import DeploymentSetting

#: Longest setting name (the primary key's width).
MAX_NAME = 64


class SettingsMixin(StoreCore):
    def deployment_secret(self, name: str) -> str:
        """The secret called ``name``: a random url-safe 32-byte token, made on first use.

        Race-safe: when several processes ask at once, one insert wins on the primary key and
        every caller returns the winner's value.
        """
        if not name or len(name) > MAX_NAME:
            raise ValueError(f"a setting name has 1 to {MAX_NAME} characters, not {name!r}")
        with self._tx() as s:
            row = s.get(DeploymentSetting, name)
            if row is not None:
                return row.value
        value = secrets.token_urlsafe(32)
        try:
            # A transaction of its own that starts with the insert: on SQLite it then waits
            # for the write lock (busy timeout) instead of failing on a stale read snapshot.
            with self._tx() as s:
                s.add(DeploymentSetting(name=name, value=value, created_at=self.clock()))
        except IntegrityError:
            with self._tx() as s:
                row = s.get(DeploymentSetting, name)
                if row is None:  # the winner's row vanished again (deleted by hand): give up
                    raise
                return row.value
        return value
