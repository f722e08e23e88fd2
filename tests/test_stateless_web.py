"""Several web hosts behind a load balancer behave as one (issue 16): with Redis and an S3-compatible bucket
configured, sessions, the cache and uploaded files live outside the host."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'storage': s.STORAGES['default'], 'static': s.STORAGES['staticfiles']['BACKEND'], "
    "'session': s.SESSION_ENGINE, 'cache': s.CACHES['default']['BACKEND'], "
    "'img_src': list(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'])}))"
)


def _settings(module: str, **extra: str) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": module, "DJANGO_SECRET_KEY": "x" * 50,
           "DJANGO_ALLOWED_HOSTS": "crm.example.com", **extra}  # fmt: skip
    for name in ("REDIS_URL", "MEDIA_S3_BUCKET", "MEDIA_S3_ENDPOINT_URL", "MEDIA_S3_REGION"):
        if name not in extra:
            env.pop(name, None)
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_with_redis_and_a_bucket_nothing_stays_on_the_web_host():
    found = _settings(
        "kamcrm.settings.production",
        REDIS_URL="redis://redis:6379/0",
        MEDIA_S3_BUCKET="kamcrm-media",
        MEDIA_S3_ENDPOINT_URL="https://minio.internal:9000",
    )
    assert found["storage"]["BACKEND"] == "storages.backends.s3.S3Storage"
    options = found["storage"]["OPTIONS"]
    assert (options["bucket_name"], options["endpoint_url"]) == ("kamcrm-media", "https://minio.internal:9000")
    assert options["querystring_auth"] is True and options["default_acl"] is None  # a private bucket, signed links
    assert found["static"].startswith("whitenoise.")  # static files still ship with the app
    assert found["session"] == "django.contrib.sessions.backends.db"  # never through the cache
    assert found["cache"] == "kamcrm.redis_cache.RedisCache"  # Django's, sharing a client per pool
    assert "https://minio.internal:9000" in found["img_src"]  # visit photos load under the CSP


def test_without_them_files_and_sessions_stay_local():
    found = _settings("kamcrm.settings.production")
    assert found["storage"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert found["session"] == "django.contrib.sessions.backends.db"
    assert found["img_src"] == ["'self'", "data:"]


def test_the_redis_cache_shares_one_client_per_pool_across_threads():
    """``kamcrm.redis_cache``: every operation and every thread use the same client of a pool, and what one
    thread writes another reads (the shared cache several web hosts rely on)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.conf import settings

    from kamcrm.redis_cache import RedisCache

    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")
    cache = RedisCache(settings.REDIS_URL, {"KEY_PREFIX": f"test-shared-{threading.get_ident()}"})
    clients = set()

    def write_and_read(i):
        cache.set(f"k{i}", {"n": i}, 30)
        clients.add(id(cache._cache.get_client(write=True)))
        return cache.get(f"k{i}")

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(write_and_read, range(40))) == [{"n": i} for i in range(40)]
    assert cache.get_many([f"k{i}" for i in range(3)]) == {f"k{i}": {"n": i} for i in range(3)}
    assert cache.add("k0", "other", 30) is False and cache.get("k0") == {"n": 0}
    cache.delete_many([f"k{i}" for i in range(40)])
    assert cache.get("k5") is None
    assert len(clients) == 1
