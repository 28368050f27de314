from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from dispatch.views.calls import call_post
from techflow import two_factor, views

handler400 = "techflow.views.bad_request"
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
    # The phone system posts calls here with its token (TECHFLOW_PHONE_TOKENS).
    path("api/calls/", call_post, name="api_call_post"),
    path("login/2fa/", two_factor.two_factor_verify, name="two_factor_verify"),
    path("login/2fa/setup/", two_factor.two_factor_setup, name="two_factor_setup"),
    path("office/inventory/", include("inventory.urls")),
    # /office/field/... and /office/technicians/...; the rest of /office/ is dispatch's.
    path("office/", include("fieldops.office_urls")),
    path("office/", include("dispatch.urls")),
    path("tech/", include("fieldops.urls")),
    path("admin/system/", views.system, name="system"),
    path("admin/system/backup/", views.system_backup, name="system_backup"),
    path("admin/", admin.site.urls),
]
