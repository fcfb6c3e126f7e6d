"""A narrow copy of what search matches on, so a common word does not read the whole table.

On PostgreSQL, `articles_search_entry` holds, for every story, the few columns a search
filters and orders by (publish time, status, language, headline) and its tsvector, with
a GIN index on the vector and a trigram index on the headline. The vector is kept out of
line (TOAST), so the table itself is about 20 bytes plus a headline a row: finding the
newest of 40,000 matches reads about 2,500 pages, where the stories' own rows (text,
vector and all) are 23,000 pages at 100,000 stories. Triggers on `articles_article`
keep it equal on every insert, update, delete and truncate, whoever writes. Nothing on
SQLite, whose search does not use it.
"""

from django.db import migrations

TABLE = "articles_search_entry"

FORWARD = [
    f"""
    CREATE TABLE {TABLE} (
        id bigint PRIMARY KEY,
        published_at timestamptz NOT NULL,
        status varchar(10) NOT NULL,
        language varchar(10) NOT NULL,
        title varchar(300) NOT NULL,
        search_vector tsvector
    ) WITH (toast_tuple_target = 128)
    """,
    # the headline stays in the row (the trigram search reads it); the vector goes out
    # of line, read only for the few rows that are ranked
    f"ALTER TABLE {TABLE} ALTER COLUMN title SET STORAGE PLAIN, "
    "ALTER COLUMN search_vector SET STORAGE EXTERNAL",
    f"""
    CREATE FUNCTION articles_search_entry_write() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            DELETE FROM {TABLE} WHERE id = OLD.id;
            RETURN OLD;
        END IF;
        IF TG_OP = 'UPDATE' AND OLD.id <> NEW.id THEN
            DELETE FROM {TABLE} WHERE id = OLD.id;
        END IF;
        INSERT INTO {TABLE} (id, published_at, status, language, title, search_vector)
        VALUES (NEW.id, NEW.published_at, NEW.status, NEW.language, NEW.title,
                NEW.search_vector)
        ON CONFLICT (id) DO UPDATE SET
            published_at = EXCLUDED.published_at, status = EXCLUDED.status,
            language = EXCLUDED.language, title = EXCLUDED.title,
            search_vector = EXCLUDED.search_vector;
        RETURN NEW;
    END $$
    """,
    f"""
    CREATE FUNCTION articles_search_entry_clear() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE {TABLE};
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER articles_search_entry_insert_delete AFTER INSERT OR DELETE "
    "ON articles_article FOR EACH ROW EXECUTE FUNCTION articles_search_entry_write()",
    "CREATE TRIGGER articles_search_entry_update AFTER UPDATE ON articles_article "
    "FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id "
    "OR OLD.published_at IS DISTINCT FROM NEW.published_at "
    "OR OLD.status IS DISTINCT FROM NEW.status OR OLD.language IS DISTINCT FROM NEW.language "
    "OR OLD.title IS DISTINCT FROM NEW.title "
    "OR OLD.search_vector IS DISTINCT FROM NEW.search_vector) "
    "EXECUTE FUNCTION articles_search_entry_write()",
    "CREATE TRIGGER articles_search_entry_truncate AFTER TRUNCATE ON articles_article "
    "FOR EACH STATEMENT EXECUTE FUNCTION articles_search_entry_clear()",
    f"INSERT INTO {TABLE} (id, published_at, status, language, title, search_vector) "
    "SELECT id, published_at, status, language, title, search_vector FROM articles_article",
    f"CREATE INDEX {TABLE}_vector ON {TABLE} USING gin (search_vector)",
    # GIN lists the headlines like a word (each rechecked), fast when they are few;
    # GiST gives the nearest first and stops at a limit, fast when they are many (7,000
    # headlines are "like" a common word) but slow to find that none is
    f"CREATE INDEX {TABLE}_title_trgm ON {TABLE} USING gin (title gin_trgm_ops)",
    # on lower(title), so that each query names the index it wants (the trigrams are
    # of lower-case letters either way)
    f"CREATE INDEX {TABLE}_title_nearest ON {TABLE} "
    "USING gist (lower(title) gist_trgm_ops(siglen=64))",
    f"ANALYZE {TABLE}",
]
REVERSE = [
    "DROP TRIGGER IF EXISTS articles_search_entry_truncate ON articles_article",
    "DROP TRIGGER IF EXISTS articles_search_entry_update ON articles_article",
    "DROP TRIGGER IF EXISTS articles_search_entry_insert_delete ON articles_article",
    "DROP FUNCTION IF EXISTS articles_search_entry_clear()",
    "DROP FUNCTION IF EXISTS articles_search_entry_write()",
    f"DROP TABLE IF EXISTS {TABLE}",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0021_merge_breaking_news_and_wordpress_picture"),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
