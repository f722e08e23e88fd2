"""Run a writer in a thread of its own (its own database connection), keeping what it returned or raised."""

import threading

from django.db import connection


def in_thread(target, results: dict, key) -> threading.Thread:
    def run():
        try:
            results[key] = target()
        except Exception as exc:  # the test looks at what each side got
            results[key] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread
