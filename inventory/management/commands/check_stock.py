"""Verify the stock ledger: every truck's stock of every item is the sum of its movements."""

from django.core.management.base import BaseCommand, CommandError

from inventory.selectors import stock_discrepancies


class Command(BaseCommand):
    help = (
        "Check that each truck's quantity of each item equals the sum of its stock movements "
        "(those archive_work_orders moved into stock_movements_archive included). "
        "Exits 1 with a report of every mismatch, 0 when the ledger explains all stock."
    )

    def handle(self, *args, **options) -> None:
        checked, wrong = stock_discrepancies()
        if wrong:
            lines = [f"{len(wrong)} of {checked} truck/item stock rows do not match their movements:"]
            lines += [
                f"  {d.truck} · {d.item}: stock {d.stock}, movements add up to {d.ledger} "
                f"({d.stock - d.ledger:+d} unexplained)"
                for d in wrong
            ]
            lines.append("Find the cause before correcting: an adjustment with a reason records the fix.")
            self.stderr.write("\n".join(lines))
            raise CommandError(f"Stock check failed: {len(wrong)} mismatch{'es' if len(wrong) != 1 else ''}.")
        self.stdout.write(
            self.style.SUCCESS(f"Stock check passed: {checked} truck/item stock rows match their movements.")
        )
