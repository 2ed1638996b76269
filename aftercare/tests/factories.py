"""factory_boy factories for the models every test needs."""

import factory

from aftercare.accounts.models import Membership, User
from aftercare.core.models import DealerGroup, Store


class DealerGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DealerGroup
        django_get_or_create = ["code"]

    name = "粤华汽车服务集团"
    code = "yuehua"


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store

    group = factory.SubFactory(DealerGroupFactory)
    code = factory.Sequence(lambda n: f"store-{n}")
    name = factory.Sequence(lambda n: f"广州{n}号店")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = "张伟"
    password = factory.PostGenerationMethodCall("set_password", "Secret-pass-2026")

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    store = factory.SubFactory(StoreFactory)
    group = factory.LazyAttribute(lambda m: m.store.group)
    role = "advisor"


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "customers.Customer"

    store = factory.SubFactory(StoreFactory)
    # Not the store's C-numbering: a factory customer never takes a number the store's sequence gives out.
    number = factory.Sequence(lambda n: f"F{n:06d}")
    name = "张伟"
    mobile = factory.Sequence(lambda n: f"138{n:08d}")


class VehicleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "customers.Vehicle"
        skip_postgeneration_save = True

    owner = factory.SubFactory(CustomerFactory)
    store = factory.LazyAttribute(lambda v: v.owner.store)
    plate = factory.Sequence(lambda n: f"粤A{n:05d}")
    vin = factory.Sequence(lambda n: _valid_vin(n))
    brand = "广汽本田"
    model = "雅阁"

    @factory.post_generation
    def search_keys(obj, create, extracted, **kwargs):
        # Vehicles made outside the services still get their plate search keys.
        if create:
            from aftercare.customers.services import _rebuild_plate_keys

            _rebuild_plate_keys(obj)


def _valid_vin(n: int) -> str:
    from aftercare.core.vin import with_check_digit

    return with_check_digit(f"LHGCV1650{n:08d}")


def catalog_for(store):
    """The demo catalogue (group defaults) and bays for a store's group."""
    from aftercare.catalog.defaults import seed_group_defaults, seed_store_bays

    seed_group_defaults(store.group)
    seed_store_bays(store)
