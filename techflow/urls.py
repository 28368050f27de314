from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from techflow import views

handler500 = "techflow.views.server_error"

admin.site.site_header = "TechFlow administration"
admin.site.site_title = "TechFlow admin"
# The sidebar takes 300 px of every changelist; at 1366 px it pushed key columns off screen.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("office/inventory/", include("inventory.urls")),
    path("office/field/", include("fieldops.office_urls")),
    path("office/", include("dispatch.urls")),
    path("tech/", include("fieldops.urls")),
    path("admin/system/", views.system, name="system"),
    path("admin/", admin.site.urls),
]
