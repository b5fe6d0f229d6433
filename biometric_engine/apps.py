from django.apps import AppConfig


class BiometricEngineConfig(AppConfig):
    name = "biometric_engine"
    verbose_name = "Biometric engine"
