from django.apps import AppConfig


class TenantatlasConfig(AppConfig):
    name = "tenantatlas"
    verbose_name = "Tenancy"
