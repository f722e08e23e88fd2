"""Django's Redis cache, with one ``redis.Redis`` client per connection pool instead of one per operation.

Django's ``RedisCacheClient.get_client`` builds a new client for every cache operation (redis-py fills a dict
of ~170 response callbacks each time): ~0.2 ms a call, and a dashboard view makes three or four. A redis-py client
is safe to share between threads (each command borrows a connection from the pool), so each pool gets one.
"""

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None or client.connection_pool is not pool:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
