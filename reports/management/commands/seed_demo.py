from django.core.management.base import CommandError
from django.utils.translation import gettext_lazy

from config.commands import Command as TranslatedCommand
from reports.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, seed_demo
from units.models import Unit


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Loads a realistic demo district (units, members, residents, cases) and prints how to sign in."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=2023, help=gettext_lazy("Same seed, same district.")
        )
        parser.add_argument(
            "--cases", type=int, default=10_000, help=gettext_lazy("About how many cases.")
        )
        parser.add_argument(
            "--members", type=int, default=400, help=gettext_lazy("About how many members.")
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=gettext_lazy(
                "Do nothing (but print the sign-in accounts) when units already exist."
            ),
        )

    def handle(self, *args, seed, cases, members, if_empty, **options):
        if Unit.objects.exists():
            if if_empty:
                self.stdout.write("Dữ liệu đã có sẵn, không nạp lại dữ liệu mẫu.")
                self._print_accounts()
                return
            raise CommandError(
                "Cơ sở dữ liệu đã có đơn vị; dữ liệu mẫu chỉ nạp vào cơ sở dữ liệu trống."
            )
        if cases < 0 or members < 1:
            raise CommandError("--cases phải ≥ 0 và --members phải ≥ 1.")
        summary = seed_demo(seed=seed, cases=cases, members=members)

        def vn(number):  # 1.234, as Vietnamese writes it
            return f"{number:,}".replace(",", ".")

        self.stdout.write(
            self.style.SUCCESS(
                f"Đã nạp huyện mẫu: {vn(summary.units)} đơn vị, {vn(summary.members)} thành "
                f"viên, {vn(summary.residents)} người dân, {vn(summary.cases)} trường hợp, "
                f"{vn(summary.activities)} hoạt động tuyên truyền ({vn(summary.linked)} "
                "trường hợp gắn với hoạt động)."
            )
        )
        self._print_accounts()

    def _print_accounts(self):
        self.stdout.write("Đăng nhập tại http://127.0.0.1:8000/ với một trong các tài khoản:")
        for username, description, _role, _code in DEMO_ACCOUNTS:
            self.stdout.write(f"  {username:<12} mật khẩu {DEMO_PASSWORD}  — {description}")
