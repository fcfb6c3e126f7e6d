"""Names that say what they hold: `field` (the rated field) and `cookie_id` (the voter's).

Only the models' names change: the columns keep theirs ("key", "voter_key"), so the
database, its constraints and its indexes stay exactly as they are.
"""

from django.conf import settings
from django.db import migrations, models

STATE = [
    migrations.RemoveConstraint(model_name="score", name="score_unique_per_object"),
    migrations.RemoveConstraint(model_name="vote", name="vote_once_per_user"),
    migrations.RemoveConstraint(model_name="vote", name="vote_once_per_anonymous_voter"),
    migrations.RemoveIndex(model_name="vote", name="vote_address_window_idx"),
    migrations.RenameField(model_name="score", old_name="key", new_name="field"),
    migrations.RenameField(model_name="vote", old_name="key", new_name="field"),
    migrations.RenameField(model_name="vote", old_name="voter_key", new_name="cookie_id"),
    migrations.AlterField(
        model_name="score",
        name="field",
        field=models.CharField(
            db_column="key", default="rating", max_length=32, verbose_name="rated field"
        ),
    ),
    migrations.AlterField(
        model_name="vote",
        name="field",
        field=models.CharField(
            db_column="key", default="rating", max_length=32, verbose_name="rated field"
        ),
    ),
    migrations.AlterField(
        model_name="vote",
        name="cookie_id",
        field=models.CharField(
            blank=True,
            db_column="voter_key",
            help_text="The random id in the reader's signed cookie.",
            max_length=64,
            null=True,
            verbose_name="anonymous voter",
        ),
    ),
    migrations.AddIndex(
        model_name="vote",
        index=models.Index(
            fields=["content_type", "object_id", "field", "address_hash", "created_at"],
            name="vote_address_window_idx",
        ),
    ),
    migrations.AddConstraint(
        model_name="score",
        constraint=models.UniqueConstraint(
            fields=("content_type", "object_id", "field"), name="score_unique_per_object"
        ),
    ),
    migrations.AddConstraint(
        model_name="vote",
        constraint=models.UniqueConstraint(
            condition=models.Q(("user__isnull", False)),
            fields=("content_type", "object_id", "field", "user"),
            name="vote_once_per_user",
        ),
    ),
    migrations.AddConstraint(
        model_name="vote",
        constraint=models.UniqueConstraint(
            condition=models.Q(("cookie_id__isnull", False)),
            fields=("content_type", "object_id", "field", "cookie_id"),
            name="vote_once_per_anonymous_voter",
        ),
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("ratings", "0003_score_imported_tally"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=STATE)]
