"""One unit of work = one database transaction; an action commits once or not at all."""

from __future__ import annotations

from sqlalchemy import Engine

from jiesu.storage.cipher import PersonalDataCipher
from jiesu.storage.config_repository import ConfigRepository
from jiesu.storage.request_repository import RequestRepository


class UnitOfWork:
    def __init__(self, engine: Engine, cipher: PersonalDataCipher) -> None:
        self.engine = engine
        self.cipher = cipher

    def __enter__(self) -> UnitOfWork:
        self.connection = self.engine.connect()
        self.transaction = self.connection.begin()
        self.requests = RequestRepository(self.connection, self.cipher)
        self.config = ConfigRepository(self.connection)
        return self

    def commit(self) -> None:
        self.transaction.commit()

    def __exit__(self, *exc) -> None:
        if self.transaction.is_active:
            self.transaction.rollback()
        self.connection.close()
