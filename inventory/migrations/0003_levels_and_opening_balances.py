"""Give existing items the seed's standard levels, and existing stock an opening balance in the ledger."""

from django.db import migrations

OPENING = "Opening balance"
STANDARD = {"Cameras": 5, "Cables": 500, "Connectors": 100, "Tools": 2, "Power Supplies": 10}


def forwards(apps, schema_editor):
    InventoryItem = apps.get_model("inventory", "InventoryItem")
    TruckInventory = apps.get_model("inventory", "TruckInventory")
    StockMovement = apps.get_model("inventory", "StockMovement")
    for item in InventoryItem.objects.filter(standard_quantity=0):
        standard = STANDARD.get(item.category, 0)
        if standard:
            item.standard_quantity = standard
            item.minimum_quantity = max(1, standard // 5)
            item.save(update_fields=["standard_quantity", "minimum_quantity"])
    StockMovement.objects.bulk_create(
        StockMovement(
            truck_id=row.truck_id,
            item_id=row.item_id,
            kind="adjustment",
            quantity_change=row.quantity,
            quantity_after=row.quantity,
            reason=OPENING,
            created_by_type="system",
        )
        for row in TruckInventory.objects.filter(quantity__gt=0)
    )


def backwards(apps, schema_editor):
    apps.get_model("inventory", "StockMovement").objects.filter(kind="adjustment", reason=OPENING).delete()


class Migration(migrations.Migration):
    dependencies = [("inventory", "0002_stock_ledger")]

    operations = [migrations.RunPython(forwards, backwards)]
