from django import template
from django.utils.safestring import SafeString, mark_safe

from inventory import tables
from inventory.models import StockMovement
from inventory.selectors import MatrixRow

register = template.Library()


@register.simple_tag
def kind_badge(movement: StockMovement) -> str:
    return tables.kind_badge(movement)


@register.simple_tag
def movement_details(movement: StockMovement) -> str:
    return tables.movement_details(movement)


@register.simple_tag
def matrix_cells(row: MatrixRow) -> SafeString:
    """One row's quantity cells. Built in Python: the template engine is too slow for 25,000 cells."""
    item_id = row.item.pk
    minimum = int(row.item.minimum_quantity)
    low = f'class="text-end table-danger fw-semibold" title="Below the minimum of {minimum}"'
    cells = []
    for cell in row.cells:
        # Only integers go into this HTML, so nothing needs escaping.
        quantity = (
            '<span class="text-body-tertiary">—</span>' if cell.quantity is None else str(int(cell.quantity))
        )
        if cell.low:
            cells.append(
                f'<td id="cell-{int(cell.truck.pk)}-{int(item_id)}" {low}>'
                f'{quantity}<span class="visually-hidden"> (below minimum)</span></td>'
            )
        else:
            cells.append(
                f'<td id="cell-{int(cell.truck.pk)}-{int(item_id)}" class="text-end">{quantity}</td>'
            )
    return mark_safe("".join(cells))  # noqa: S308
