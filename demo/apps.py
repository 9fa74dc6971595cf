from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo `make run` shows, on the local DingTalk sandbox: `rundemo`, `seed_demo`, `dingtalk_sandbox`
    and the menu's link to the sandbox. Installed only when settings.DINGTALK_SANDBOX_ENABLED (development),
    so the product (`meetings`) never imports `dingtalk_sandbox`."""

    name = "demo"
    verbose_name = "DingTalk sandbox demo"

    def ready(self):
        from django.core import checks as django_checks

        from . import checks

        django_checks.register(checks.check_sandbox_is_for_development, django_checks.Tags.security, deploy=True)
