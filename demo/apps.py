from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo: installed only when DEMO_ENABLED (tenantatlas.settings); production never
    imports it. It plugs the demo policy source into inventory and owns ``seed_demo``."""

    name = "demo"

    def ready(self) -> None:
        from demo.plug import DEMO_SOURCE
        from inventory.source_registry import register

        register(DEMO_SOURCE)
