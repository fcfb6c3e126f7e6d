"""Marks of scheduled work: where the last run of a periodic command got to."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RunMark(models.Model):
    """The time a periodic command (publish_scheduled) last ran up to, kept in the database
    so that every process and every run agrees on it, with or without a shared cache."""

    name = models.CharField(_("name"), max_length=100, primary_key=True)
    reached = models.DateTimeField(_("reached"))

    class Meta:
        verbose_name = _("run mark")
        verbose_name_plural = _("run marks")

    def __str__(self):
        return f"{self.name}: {self.reached:%Y-%m-%d %H:%M:%S}"
