from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dingtalk_sandbox.cli import add_arguments, serve


class Command(BaseCommand):
    help = (
        "Run the local DingTalk sandbox (a fake DingTalk API for demos and end-to-end tests). "
        "Allowed only when settings.DINGTALK_SANDBOX_ENABLED is true (development)."
    )

    def add_arguments(self, parser):
        add_arguments(parser)

    def handle(self, *args, host, port, latency_ms, qps, state_file, tokens, quiet, **options):
        # A fake DingTalk that accepts any demo credentials has no place on a production host.
        if not settings.DINGTALK_SANDBOX_ENABLED:
            raise CommandError(
                "The DingTalk sandbox is a development tool: set DINGTALK_SANDBOX_ENABLED=true "
                "(it defaults to DJANGO_DEBUG) to run it."
            )
        try:
            serve(
                host=host,
                port=port,
                latency_ms=latency_ms,
                qps=qps,
                state_file=state_file,
                tokens=tokens,
                quiet=quiet,
                out=self.stdout,
            )
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot start the DingTalk sandbox: {exc}") from None
