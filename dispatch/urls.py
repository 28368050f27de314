from django.urls import path

from dispatch import views

app_name = "dispatch"

urlpatterns = [
    path("", views.office_home, name="office_home"),
]
