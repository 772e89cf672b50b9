"""gunicorn settings for Senim (`make serve`, and the systemd unit in deploy/).

Everything is read from the environment so the same file serves a laptop and a shelter's
server. The access log names the method, the path WITHOUT its query string, the status, the
size and the duration: a search term, a token or a name never reaches it (rule of
non-negotiable 4; the application's own log is redacted by casework/logs.py as well).
"""

from __future__ import annotations

import multiprocessing
import os

bind = os.environ.get("SENIM_BIND", "127.0.0.1:8000")
# Two workers per core is gunicorn's advice for I/O-bound apps; Senim spends its time in the
# database and in argon2 at sign-in, so keep it modest and let operators override.
workers = int(os.environ.get("SENIM_WORKERS", str(min(4, multiprocessing.cpu_count() * 2))))
worker_class = "sync"
# argon2 at sign-in and age encryption of a package take well under a second; a request that
# runs for a minute is stuck, not busy.
timeout = int(os.environ.get("SENIM_WORKER_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never becomes an outage. Not too often: a new
# worker spends about two seconds of CPU importing and building the app (issue 12), which
# every 2,000 requests was about a millisecond on each request.
max_requests = 10000
max_requests_jitter = 1000
# The upload limit is enforced by the application (SENIM_MAX_UPLOAD); these guard headers.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
# X-Forwarded-* from the reverse proxy only, and only when the operator says there is one
# (SENIM_TRUSTED_PROXIES, which also configures the application's ProxyFix).
_behind_proxy = int(os.environ.get("SENIM_TRUSTED_PROXIES", "0") or 0) > 0
forwarded_allow_ips = "127.0.0.1,::1" if _behind_proxy else ""
proxy_allow_ips = forwarded_allow_ips
# No preload: each worker opens its own database connections and reads the key file itself,
# so a key rotation is picked up by workers without sharing state through fork.
preload_app = False
accesslog = "-"
errorlog = "-"
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
