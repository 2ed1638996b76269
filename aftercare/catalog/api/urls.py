from aftercare.core.api.routers import Router

from . import views

router = Router()
router.register("repair-types", views.RepairTypeViewSet, basename="catalog-repair-type")
router.register("labour-rates", views.LabourRateViewSet, basename="catalog-labour-rate")
router.register("operation-categories", views.OperationCategoryViewSet, basename="catalog-operation-category")
router.register("operations", views.LabourOperationViewSet, basename="catalog-operation")
router.register("parts", views.PartViewSet, basename="catalog-part")
router.register("package-jobs", views.PackageJobViewSet, basename="catalog-package-job")
router.register("other-charges", views.OtherChargeViewSet, basename="catalog-other-charge")
router.register("bays", views.BayViewSet, basename="catalog-bay")
router.register("inspection-items", views.InspectionItemViewSet, basename="catalog-inspection-item")
router.register("survey-questions", views.SurveyQuestionViewSet, basename="catalog-survey-question")
router.register("discount-levels", views.DiscountLevelViewSet, basename="catalog-discount-level")

urlpatterns = router.urls
