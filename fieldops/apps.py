from django.apps import AppConfig


class FieldopsConfig(AppConfig):
    name = "fieldops"
