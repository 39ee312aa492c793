import factory
from django.contrib.auth import get_user_model

from units.models import Member, MemberCategory, Unit, UnitKind, UnitRole


def id_number_for(n):
    """A valid-looking 12-digit ID number (Sơn La province code 014, born 1990s)."""
    return f"0140{90 + n % 10:02d}{n:06d}"[:12]


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"U{n:04d}")
    name = factory.Sequence(lambda n: f"Đơn vị {n}")
    kind = UnitKind.YOUTH_UNION
    parent = None


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    unit = factory.SubFactory(UnitFactory)
    full_name = factory.Sequence(lambda n: f"Lò Văn Thành {n}")
    id_number = factory.Sequence(lambda n: f"0140{n:08d}")
    category = MemberCategory.MEMBER


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("mat-khau-123")


class UnitRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitRole

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    role = UnitRole.Role.SECRETARY
