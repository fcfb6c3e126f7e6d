"""Django's PostgreSQL backend with the hooks that read replicas need.

On the primary (`default`): after every committed write, the primary's WAL position
is recorded as the last write (newsroom.replicas.note_write), before any on_commit
callback runs, so no content version or purge that follows a write is ever seen
without it. Writes made outside HTTP (commands, imports, migrations) are recorded
too: the hook is on the connection, not on a request.

On a replica: before each query of a request, the last write is read again, so a
write that commits while the request renders cannot be missed (db_router.check_fresh);
a failed connect or query is reported to the router, which answers from the primary.
"""

from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError
from django.db.backends.postgresql import base

from newsroom import db_router, replicas

# Statements that cannot change data; anything else counts as a write.
READ_ONLY = ("SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK", "SET ", "SHOW")


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, settings_dict, alias=DEFAULT_DB_ALIAS):
        super().__init__(settings_dict, alias)
        self._wrote = False  # a write in the open transaction
        self._committed_write = False  # a write committed, its position not recorded yet
        if alias == DEFAULT_DB_ALIAS:
            self.execute_wrappers.append(self._note_writes)
        elif alias in replicas.aliases():
            self.execute_wrappers.append(self._check_replica)

    # the primary

    def _note_writes(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not sql.lstrip()[:9].upper().startswith(READ_ONLY):
            if self.in_atomic_block or not self.autocommit:
                self._wrote = True
            else:
                self._record_write()  # autocommit: this statement has committed
        return result

    def _commit(self):
        result = super()._commit()
        self._committed_write, self._wrote = self._wrote, False
        return result

    def _rollback(self):
        self._wrote = False
        return super()._rollback()

    def run_and_clear_commit_hooks(self):
        # runs once autocommit is back on after a commit, before the on_commit callbacks
        if self._committed_write:
            self._committed_write = False
            self._record_write()
        super().run_and_clear_commit_hooks()

    def _record_write(self):
        try:
            lsn = replicas.write_position(self.connection)
        except Exception as exc:  # the write itself stands; say that it went unrecorded
            replicas.log.error("could not read the primary's WAL position: %s", exc)
            return
        replicas.note_write(lsn)

    # a replica

    def ensure_connection(self):
        try:
            super().ensure_connection()
        except DatabaseError as exc:
            if self.alias in replicas.aliases():
                db_router.replica_failed(self.alias, exc, unreachable=True)
            raise

    def _check_replica(self, execute, sql, params, many, context):
        db_router.check_fresh(self.alias)
        try:
            return execute(sql, params, many, context)
        except (OperationalError, InterfaceError) as exc:
            raw = self.connection
            unreachable = raw is None or bool(raw.closed)
            db_router.replica_failed(self.alias, exc, unreachable=unreachable)
            raise
