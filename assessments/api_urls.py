from django.urls import path

from assessments import api

urlpatterns = [
    path("auth/token/", api.TokenObtainApi.as_view(), name="api-token"),
    path("me/", api.MeApi.as_view(), name="api-me"),
    path("employees/", api.EmployeeListApi.as_view(), name="api-employee-list"),
    path("employees/<int:pk>/", api.EmployeeDetailApi.as_view(), name="api-employee-detail"),
    path("positions/", api.PositionListCreateApi.as_view(), name="api-position-list"),
    path("positions/<int:pk>/", api.PositionDetailUpdateApi.as_view(), name="api-position-detail"),
    path("cycles/", api.CycleListCreateApi.as_view(), name="api-cycle-list"),
    path("cycles/<int:pk>/", api.CycleDetailApi.as_view(), name="api-cycle-detail"),
    path("cycles/<int:pk>/open/", api.CycleOpenApi.as_view(), name="api-cycle-open"),
    path("cycles/<int:pk>/close/", api.CycleCloseApi.as_view(), name="api-cycle-close"),
    path("cycles/<int:pk>/participants/", api.CycleParticipantsAddApi.as_view(), name="api-cycle-participants"),
    path("assessments/", api.AssessmentListApi.as_view(), name="api-assessment-list"),
    path("assessments/<int:pk>/", api.AssessmentDetailApi.as_view(), name="api-assessment-detail"),
    path("assessments/<int:pk>/ratings/", api.AssessmentRatingsUpdateApi.as_view(), name="api-assessment-ratings"),
    path("assessments/<int:pk>/submit/", api.AssessmentSubmitApi.as_view(), name="api-assessment-submit"),
    path("assessments/<int:pk>/sign-off/", api.AssessmentSignOffApi.as_view(), name="api-assessment-sign-off"),
    path("assessments/<int:pk>/reopen/", api.AssessmentReopenApi.as_view(), name="api-assessment-reopen"),
    path("assessments/<int:pk>/levels/", api.AssessmentLevelsApi.as_view(), name="api-assessment-levels"),
]
