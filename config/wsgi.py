import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# A web process: each request's statements are bounded (DJANGO_DB_STATEMENT_TIMEOUT).
from config.faults import for_web  # noqa: E402

for_web()
