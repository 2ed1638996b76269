"""Priced repair orders at the cash desk (the billing tests' fixtures), for the reports' tests."""

from aftercare.billing.tests.conftest import catalogue, make_order, signature, vehicle  # noqa: F401
