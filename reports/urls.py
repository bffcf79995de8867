"""Report pages under /reports/."""

from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("request/", views.request_report, name="request"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/file/", views.job_file, name="job_file"),
    path("cycles/<int:cycle_pk>/people/<int:employee_pk>/gaps/", views.gap_page, name="gaps"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/agree/", views.plan_agree, name="plan_agree"),
    path("plans/<int:pk>/targets/<int:target_pk>/actions/", views.plan_action_add, name="plan_action_add"),
    path("plans/<int:pk>/actions/<int:action_pk>/", views.plan_action_edit, name="plan_action_edit"),
    path("plans/<int:pk>/actions/<int:action_pk>/remove/", views.plan_action_remove, name="plan_action_remove"),
    path("exports/", views.export_list, name="exports"),
    path("exports/<int:pk>/", views.export_detail, name="export"),
    path("exports/<int:pk>/file/", views.export_file, name="export_file"),
    path("exports/<int:pk>/resume/", views.export_resume, name="export_resume"),
    path("heatmap/", views.heatmap, name="heatmap"),
    path("cycles/<int:pk>/summary/", views.cycle_summary, name="cycle_summary"),
]
