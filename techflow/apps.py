from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class TechflowAdminConfig(AdminConfig):
    """Django's admin on TechFlow's site: every change audited, history read only (techflow/admin_site.py)."""

    default_site = "techflow.admin_site.TechflowAdminSite"


class TechflowConfig(AppConfig):
    name = "techflow"
    verbose_name = "Sign-in security"

    def ready(self) -> None:
        from techflow import security, two_factor  # noqa: F401  (connect the sign-in signal receivers)
