"""One label per thing: the dashboards name unit kinds and places by the models' choices, as
the forms, the lists and the import template do ("Chợ", never also "Chợ, phiên chợ")."""

from django.utils import translation

from campaign.models import Place
from campaign.workbook.spec import PLACES
from dashboards.tables import KIND_LABELS, NO_PLACE, PLACE_LABELS
from units.models import UnitKind


def test_the_dashboards_labels_are_the_models_choices():
    with translation.override("vi"):
        for place in Place:
            assert PLACE_LABELS[place] == str(place.label), place
            assert PLACES[PLACE_LABELS[place]] == place  # the template's word for it
        for kind in UnitKind:
            assert KIND_LABELS.get(kind, kind) == str(kind.label), kind
        assert PLACE_LABELS.get("") == str(NO_PLACE) and PLACE_LABELS.get("x", "x") == "x"
        assert PLACE_LABELS["market"] == "Chợ" and KIND_LABELS["youth_union"] == "Đoàn"
