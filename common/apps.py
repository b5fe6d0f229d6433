from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def _sync_roles(sender, using="default", **kwargs) -> None:
    # post_migrate fires once per app, and each app's permissions are created in its own turn,
    # so sync once, after the last app, when every permission exists.
    with_models = [config for config in apps.get_app_configs() if config.models_module]
    if sender is not with_models[-1]:
        return
    from common.roles import sync_role_groups

    sync_role_groups(using=using)


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = "Common"

    def ready(self) -> None:
        post_migrate.connect(_sync_roles, dispatch_uid="common.sync_role_groups")
