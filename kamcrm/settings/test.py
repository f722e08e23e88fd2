"""Test settings: the database comes from DATABASE_URL like everywhere else."""

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The live server's thread must not keep a connection open past a test (it blocks dropping test DBs).
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# Every read compiled once per shape (``kamcrm.prepared``) is also compiled the ORM's way and compared.
PREPARED_QUERIES_CHECK = True
