"""gunicorn's settings for the web (the Procfile, docker-compose, the image and the benchmarks load them with
``--config python:kamcrm.gunicorn_conf``; options given on the command line win).

- **Fair under load.** Keep-alive is off and a worker takes a connection only while it has a thread free
  (``worker_connections = threads``): every request waits in the kernel's one queue, in arrival order, for the
  first thread that frees, instead of staying on the worker its connection first landed on (a connection kept
  alive does). With 50 reps posting visits, kept-alive connections on 3 × 4 threads gave some reps 27 ms a request
  and others 628 ms; queued in order, 262–279 ms each (``bench/README.md``). Behind a load balancer, which keeps
  its own connections to the phones, turning keep-alive off costs nothing; facing the phones directly, each request
  opens its connection again.
- **Sized by the environment**: ``WEB_WORKERS`` processes (default 2) × ``WEB_THREADS`` threads (default 5), or by
  ``--workers`` / ``--threads`` on the command line. A request spends part of its time waiting on PostgreSQL, so
  threads keep the cores busy; processes spread the Python work over the cores (one interpreter runs one thread at
  a time).
- **Less garbage collection**: what the worker loaded at its start (Django, the URL patterns, the models) is moved
  out of the collector's reach once loaded, so a full collection no longer walks it during a request.
"""

import gc
import os

worker_class = "gthread"
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "5"))
worker_connections = threads
keepalive = 0
timeout = 120
graceful_timeout = 5


# Python's defaults (700, 10, 10) collect the youngest objects every 700 net allocations (about once a visit POST)
# and every tenth and hundredth time the older ones too, which in a worker walks what it loaded at its start unless it
# is frozen. Frozen and with these thresholds, under 50 reps' writes the web's CPU per POST went from 5.4–6.2 ms to
# 4.9–5.3 and the visits per second from 183–203 to 202–213 (three interleaved pairs, bench/README.md). Garbage
# without reference cycles is freed at once whatever the thresholds.
GC_THRESHOLDS = (20_000, 20, 50)


def on_starting(server):
    """Threads given on the command line (``--threads``) size the connections too, while keep-alive is off."""
    if not server.cfg.keepalive:
        server.cfg.set("worker_connections", server.cfg.threads)


def post_worker_init(worker):
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
