from django.apps import AppConfig


class TechflowConfig(AppConfig):
    name = "techflow"
    verbose_name = "Sign-in security"

    def ready(self) -> None:
        from techflow import security  # noqa: F401  (connects the sign-in signal receivers)
