from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from aftercare.accounts import views as account_views
from aftercare.core.views import favicon

api_v1 = [
    path("", include("aftercare.accounts.api.urls")),
    path("", include("aftercare.core.api.urls")),
    path("catalog/", include("aftercare.catalog.api.urls")),
    path("", include("aftercare.customers.api.urls")),
    # Before service: its router owns the rest of /repair-orders/.
    path("", include("aftercare.billing.api.urls")),
    path("", include("aftercare.service.api.urls")),
    path("", include("aftercare.appointments.api.urls")),
    path("workshop/", include("aftercare.workshop.api.urls")),
    path("", include("aftercare.followups.api.urls")),
    path("", include("aftercare.complaints.api.urls")),
    path("parts/", include("aftercare.parts.api.urls")),
    path("loyalty/", include("aftercare.loyalty.api.urls")),
    path("crm/", include("aftercare.crm.api.urls")),
    path("health-records/", include("aftercare.healthrecords.api.urls")),
    path("warranty/", include("aftercare.warranty.api.urls")),
    path("ev/", include("aftercare.ev.api.urls")),
    path("messages/", include("aftercare.messaging.api.urls")),
    path("reports/", include("aftercare.reports.api.urls")),
    path("vic/", include("aftercare.vic.api.urls")),
    path("desk/", include("aftercare.desk.api.urls")),
]

urlpatterns = [
    path("", account_views.home, name="home"),
    path("favicon.ico", favicon, name="favicon"),
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("login/two-factor/", account_views.two_factor_verify, name="two_factor_verify"),
    path("login/two-factor/enrol/", account_views.two_factor_enrol, name="two_factor_enrol"),
    path("password/", account_views.PasswordChangeView.as_view(), name="password_change"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("", include("aftercare.accounts.urls")),
    path("", include("aftercare.core.urls")),
    path("catalog/", include("aftercare.catalog.urls")),
    path("", include("aftercare.customers.urls")),
    path("billing/", include("aftercare.billing.urls")),
    path("loyalty/", include("aftercare.loyalty.urls")),
    path("privacy/", include("aftercare.privacy.urls")),
    path("", include("aftercare.service.urls")),
    path("", include("aftercare.appointments.urls")),
    path("workshop/", include("aftercare.workshop.urls")),
    path("followups/", include("aftercare.followups.urls")),
    path("complaints/", include("aftercare.complaints.urls")),
    path("surveys/", include("aftercare.surveys.urls")),
    path("s/", include("aftercare.surveys.public_urls")),
    path("portal/", include("aftercare.portal.urls")),
    path("p/", include("aftercare.portal.public_urls")),
    path("parts/", include("aftercare.parts.urls")),
    path("crm/", include("aftercare.crm.urls")),
    path("health-records/", include("aftercare.healthrecords.urls")),
    path("warranty/", include("aftercare.warranty.urls")),
    path("ev/", include("aftercare.ev.urls")),
    path("reports/", include("aftercare.reports.urls")),
    path("messages/", include("aftercare.messaging.urls")),
    path("vic/", include("aftercare.vic.urls")),
    path("desk/", include("aftercare.desk.urls")),
    path("help/", include("aftercare.desk.public_urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: the CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]

handler500 = "aftercare.core.views.server_error"
