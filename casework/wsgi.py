"""WSGI entry point of an installed Senim: `gunicorn casework.wsgi:app` from any folder
(the repository's top-level wsgi.py does the same for a checkout)."""

from casework import create_app

app = create_app()
