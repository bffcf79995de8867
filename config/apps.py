from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The wiring package: start-up checks and cross-cutting signal receivers."""

    name = "config"
    verbose_name = "Portal"

    def ready(self) -> None:
        from config import security  # noqa: F401 - connects the failed-login counter
