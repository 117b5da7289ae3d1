"""A module-level WSGI app for servers that want ``module:variable`` (uWSGI, mod_wsgi, waitress).

gunicorn (``make serve``) uses the factory ``webservice.app:create_app()`` instead.
"""
from .app import create_app

app = create_app()
