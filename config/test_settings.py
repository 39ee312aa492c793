"""The tests' settings (pytest.ini): the product's own, asked for with debug on.

Debug is off by default (config/settings.py); the tests, the browser journeys' live server
and the commands the tests start run with DJANGO_DEBUG=true, as `make run` does. A test of
production settings starts `manage.py` with an environment of its own (DJANGO_DEBUG=false
and a key: config/tests/test_settings.py, the fault suite), which this leaves as it is."""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")

from config.settings import *  # noqa: E402, F403
