from django.urls import path

from inventory import views

app_name = "inventory"

urlpatterns = [
    path("", views.stock_matrix, name="stock_matrix"),
    path("items/", views.item_list, name="item_list"),
    path("items/new/", views.item_create, name="item_create"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("trucks/<int:pk>/", views.truck_detail, name="truck_detail"),
    path("trucks/<int:pk>/restock/", views.truck_restock, name="truck_restock"),
    path("trucks/<int:pk>/transfer/", views.truck_transfer, name="truck_transfer"),
    path("trucks/<int:pk>/adjust/", views.truck_adjust, name="truck_adjust"),
    path("trucks/<int:pk>/crew/", views.truck_crew, name="truck_crew"),
    path("trucks/<int:pk>/replenishment/", views.truck_replenishment, name="truck_replenishment"),
    path(
        "trucks/<int:pk>/restock-to-standard/",
        views.truck_restock_to_standard,
        name="truck_restock_to_standard",
    ),
    path("movements/", views.movement_list, name="movement_list"),
    path("usage/", views.usage_report, name="usage_report"),
    path("usage/export.csv", views.usage_export, name="usage_export"),
]
