"""One unit of work = one database transaction; an action commits once or not at all."""

from __future__ import annotations

from sqlalchemy import Engine

from jiesu.storage.cipher import PersonalDataCipher
from jiesu.storage.config_repository import ConfigRepository
from jiesu.storage.database import WriteGate
from jiesu.storage.request_repository import RequestRepository


class UnitOfWork:
    """`write=True` (the default) queues behind the other writers first (see WriteGate); reads do not."""

    def __init__(self, engine: Engine, cipher: PersonalDataCipher, gate: WriteGate | None = None,
                 write: bool = True) -> None:
        self.engine = engine
        self.cipher = cipher
        self.gate = gate if write else None

    def __enter__(self) -> UnitOfWork:
        self._held = self.gate.held() if self.gate is not None else None
        if self._held is not None:
            self._held.__enter__()
        self.connection = self.engine.connect()
        self.transaction = self.connection.begin()
        self.requests = RequestRepository(self.connection, self.cipher)
        self.config = ConfigRepository(self.connection)
        return self

    def commit(self) -> None:
        self.transaction.commit()

    def __exit__(self, *exc) -> None:
        try:
            if self.transaction.is_active:
                self.transaction.rollback()
            self.connection.close()
        finally:
            if self._held is not None:
                self._held.__exit__(None, None, None)
