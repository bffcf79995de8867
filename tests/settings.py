"""Test settings: the real settings with a fast hasher and Celery tasks run inline.

Tests under tests/integration/ start a real worker on the configured broker instead.
"""

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["default"] = {  # noqa: F405
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": str(VAR_DIR / "test-media")},  # noqa: F405
}
SECURE_SSL_REDIRECT = False
# Messages are asserted in English unless a test asks for Chinese; the shipped default (zh-hans) has its own tests.
LANGUAGE_CODE = "en"
