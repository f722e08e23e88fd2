from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.routers import DefaultRouter

from accounts import api as accounts_api
from distributors import api as distributors_api
from distributors.export_api import DistributorExportView
from distributors.pdf_views import DistributorCardPdfView

from . import views

router = DefaultRouter()
router.register("regions", accounts_api.RegionViewSet, basename="region")
router.register("teams", accounts_api.TeamViewSet, basename="team")
router.register("users", accounts_api.UserViewSet, basename="user")
router.register("distributors", distributors_api.DistributorViewSet, basename="distributor")
router.register("contacts", distributors_api.ContactViewSet, basename="contact")
router.register("complaints", distributors_api.ComplaintViewSet, basename="complaint")
router.register("suggestions", distributors_api.SuggestionViewSet, basename="suggestion")
router.register("brands", distributors_api.BrandViewSet, basename="brand")
router.register("products", distributors_api.ProductViewSet, basename="product")

api_urlpatterns = [
    path("auth/token/", ObtainAuthToken.as_view(), name="api-token"),
    path("me/", accounts_api.me, name="api-me"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("distributors/<int:pk>/card.pdf", DistributorCardPdfView.as_view(), name="api-distributor-card-pdf"),
    path("distributors/export/", DistributorExportView.as_view(), name="api-distributor-export"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("accounts.urls")),
    path("distributors/", include("distributors.urls")),
    path("api/", include(api_urlpatterns)),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
