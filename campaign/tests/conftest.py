import pytest


@pytest.fixture(autouse=True)
def _jobs_at_once(settings):
    """The import's check and confirm are jobs: in the tests they run as soon as queued."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
