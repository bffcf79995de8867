from django.urls import path

from reports import api

urlpatterns = [
    path("reports/", api.ReportJobListCreateApi.as_view(), name="api-report-list"),
    path("reports/<int:pk>/", api.ReportJobDetailApi.as_view(), name="api-report-detail"),
    path("reports/<int:pk>/file/", api.ReportJobFileApi.as_view(), name="api-report-file"),
    path("exports/", api.ExportListCreateApi.as_view(), name="api-export-list"),
    path("exports/<int:pk>/", api.ExportDetailApi.as_view(), name="api-export-detail"),
    path("exports/<int:pk>/file/", api.ExportFileApi.as_view(), name="api-export-file"),
    path("exports/<int:pk>/resume/", api.ExportResumeApi.as_view(), name="api-export-resume"),
    path("plans/", api.PlanListApi.as_view(), name="api-plan-list"),
    path("plans/<int:pk>/", api.PlanDetailApi.as_view(), name="api-plan-detail"),
    path("plans/<int:pk>/history/", api.PlanHistoryApi.as_view(), name="api-plan-history"),
    path("plans/<int:pk>/agree/", api.PlanAgreeApi.as_view(), name="api-plan-agree"),
    path(
        "plans/<int:pk>/targets/<int:target_pk>/actions/",
        api.PlanActionCreateApi.as_view(),
        name="api-plan-action-create",
    ),
    path("plans/<int:pk>/actions/<int:action_pk>/", api.PlanActionApi.as_view(), name="api-plan-action-detail"),
]
