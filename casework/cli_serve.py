"""`flask --app wsgi senim serve`: the development server without its banner (issue 11).

Werkzeug's server adds ``Server: Werkzeug/x Python/y`` to every response itself, after the
application has answered, so the application's own header filter cannot remove it. This
request handler sends no Server header at all; ``make run`` serves with it. (In
production a real WSGI server behind a TLS proxy serves; configure it the same way, e.g.
nginx ``server_tokens off`` and gunicorn behind it.)
"""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler minus the Server header (the version banner)."""

    def send_response(self, code: int, message: str | None = None) -> None:
        # BaseHTTPRequestHandler.send_response without send_header("Server", ...).
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())

    def version_string(self) -> str:
        return ""  # error pages the server renders itself name no software either


def make_quiet_server(host: str, port: int, app: Flask, *,
                      threaded: bool = True) -> BaseWSGIServer:
    return make_server(host, port, app, threaded=threaded,
                       request_handler=QuietRequestHandler)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve_command(host: str, port: int) -> None:
    """Serve the application for development (no reloader, no debugger, no banner)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    # A developer editing a template sees it on the next page load.
    app.jinja_env.auto_reload = True
    server = make_quiet_server(host, port, app)
    click.echo(f"Serving on http://{host}:{server.server_port}/ (Ctrl+C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
