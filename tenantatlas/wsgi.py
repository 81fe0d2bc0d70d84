import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenantatlas.settings")

from tenantatlas.db import serve_web_requests

# Everything served from here is a web request: short database timeouts.
serve_web_requests()
application = get_wsgi_application()

from tenantatlas.startup import refuse_to_serve_without_static_files, settle  # noqa: E402

refuse_to_serve_without_static_files()
settle()
