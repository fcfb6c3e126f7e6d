"""Writing rows: straight INSERT statements of many rows each, and the thread that
writes each batch while the next one is planned."""

import functools
import queue
import threading

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import translation

BATCH = 500


# Writing rows: straight INSERT statements of many rows each (no model instance a row)

# fields whose Python value is already the database's (everything else is prepared by
# the field, as a model save would)
_PLAIN_FIELDS = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "ForeignKey",
    "IntegerField",
    "OneToOneField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "TextField",
}


def insert_rows(model, columns, rows, *, ignore_conflicts=False, returning=None):
    """Insert `rows` (tuples of Python values, in the order of the field names `columns`)
    in as few statements as the database takes; with `returning` (a field name), that
    field's values of the new rows, in order. Conflicting rows are skipped when
    `ignore_conflicts` (nothing is returned then)."""
    if not rows:
        return []
    from django.db.models.constants import OnConflict

    meta = model._meta
    fields = [meta.get_field(name) for name in columns]
    prepare = _preparer(fields)
    conflict = OnConflict.IGNORE if ignore_conflicts else None
    head, tail = _statement(meta, fields, conflict, returning)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    per = max(1, min(BATCH, connection.ops.bulk_batch_size(fields, rows)))
    returned = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per):
            chunk = rows[start : start + per]
            cursor.execute(head + ", ".join([one] * len(chunk)) + tail, _params(chunk, prepare))
            if returning and not conflict:
                returned.extend(row[0] for row in cursor.fetchall())
    return returned


def _preparer(fields):
    """prepare(row): a row's values as the database takes them; None when every field's
    values go as they are."""
    preps = [
        None
        if field.get_internal_type() in _PLAIN_FIELDS
        else functools.partial(field.get_db_prep_save, connection=connection)
        for field in fields
    ]
    if not any(preps):
        return None

    def prepare(row):
        return [
            value if prep is None else prep(value) for prep, value in zip(preps, row, strict=True)
        ]

    return prepare


def _params(chunk, prepare):
    """The values of the rows of `chunk`, one flat list, prepared when `prepare` is given."""
    return [value for row in chunk for value in (row if prepare is None else prepare(row))]


def _statement(meta, fields, conflict, returning):
    """(the INSERT up to its VALUES, what follows the rows: ON CONFLICT, RETURNING)."""
    ops, quote = connection.ops, connection.ops.quote_name
    head = (
        f"{ops.insert_statement(on_conflict=conflict)} {quote(meta.db_table)} "
        f"({', '.join(quote(field.column) for field in fields)}) VALUES "
    )
    tail = ops.on_conflict_suffix_sql(fields, conflict, None, None) if conflict else ""
    if returning and not conflict:
        tail += f" RETURNING {quote(meta.get_field(returning).column)}"
    return head, tail


def insert_objects(model, objects, *, keep=()):
    """Insert new model instances (as bulk_create does, without its per-value work), their
    primary keys set; `keep`: auto_now fields whose value is the instance's own."""
    if not objects:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    rows = [
        tuple(
            getattr(obj, field.attname) if field.name in keep else field.pre_save(obj, True)
            for field in fields
        )
        for obj in objects
    ]
    pks = insert_rows(model, [field.name for field in fields], rows, returning=model._meta.pk.name)
    for obj, pk in zip(objects, pks, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias


class Writer:
    """Writes the batches from a thread of its own, on the importing thread's connection.

    PostgreSQL's share of a batch (its rows, their indexes and search vectors) is about a
    third of the importing process's time; the interpreter is free while a statement runs,
    so the next batch is planned meanwhile. It all stays in the run's one transaction: the
    importing thread uses the connection only while the writer is idle (wait() returned,
    and nothing submitted since), so the two never use it at once.
    """

    def __init__(self):
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.language = translation.get_language()
        self.jobs = queue.SimpleQueue()
        self.idle = threading.Event()
        self.idle.set()
        self.error = None
        self.stopping = False
        self.connection.inc_thread_sharing()
        self.thread = threading.Thread(target=self._work, name="wordpress-writer", daemon=True)
        self.thread.start()

    def _work(self):
        connections[DEFAULT_DB_ALIAS] = self.connection  # this thread's, for the ORM too
        translation.activate(self.language)
        while (job := self.jobs.get()) is not None:
            if self.error is None and not self.stopping:  # the run stops: nothing more written
                try:
                    job()
                except BaseException as exc:
                    self.error = exc
            self.idle.set()

    def submit(self, job, *args):
        """Run job(*args) once the job before is done; its error is raised by wait()."""
        self.wait()
        self.idle.clear()
        self.jobs.put(functools.partial(job, *args))

    def wait(self):
        """Until the writer is idle: the connection is the importing thread's again."""
        self.idle.wait()
        if self.error is not None:
            raise self.error

    def abort(self):
        """The run stops (Ctrl-C, an error): skip what is queued, cancel the statement
        running (one waiting on a lock could wait for long), then close()."""
        self.stopping = True
        raw = self.connection.connection
        # psycopg2's cancel stops just the statement running (SQLite's interrupt could stop
        # the rollback after it, and SQLite waits for a lock only as long as its timeout)
        if not self.idle.is_set() and self.connection.vendor == "postgresql" and raw:
            try:
                raw.cancel()
            except Exception:  # noqa: BLE001 - the run's own error is what matters
                pass
        self.close()

    def close(self):
        """Stop the thread once its job is done (never raising: the run's error is raised)."""
        self.jobs.put(None)
        self.thread.join()
        self.connection.dec_thread_sharing()
