# The district of the case views' tests (two communes, a secretary, a viewer, their guides),
# for the error-pattern tests of the same forms.
from campaign.tests.test_views import district  # noqa: F401
