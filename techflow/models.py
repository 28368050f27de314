"""Sign-in security: the login throttle's counters (techflow/security.py keeps the rules)."""

from django.db import models


class LoginThrottle(models.Model):
    """Failed sign-ins counted for one username or one client address, and the lockout they earned."""

    class Kind(models.TextChoices):
        USERNAME = "username", "Username"
        ADDRESS = "address", "Address"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.CharField(max_length=255, help_text="The username (case-folded) or the client address.")
    failures = models.PositiveIntegerField(default=0)
    first_failure_at = models.DateTimeField()
    last_failure_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "login_throttles"
        ordering = ["-last_failure_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="login_throttle_kind_value_unique")
        ]
        indexes = [models.Index(fields=["locked_until"], name="idx_login_throttles_locked")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"
