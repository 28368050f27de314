from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from techflow import two_factor, views

handler400 = "techflow.views.bad_request"
handler500 = "techflow.views.server_error"

admin.site.site_header = "TechFlow administration"
admin.site.site_title = "TechFlow admin"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("login/2fa/", two_factor.two_factor_verify, name="two_factor_verify"),
    path("login/2fa/setup/", two_factor.two_factor_setup, name="two_factor_setup"),
    path("office/inventory/", include("inventory.urls")),
    path("office/field/", include("fieldops.office_urls")),
    path("office/", include("dispatch.urls")),
    path("tech/", include("fieldops.urls")),
    path("admin/system/", views.system, name="system"),
    path("admin/", admin.site.urls),
]
