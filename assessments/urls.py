"""The portal's pages: home, rating forms, results, the team list and HR's cycle pages."""

from django.urls import path

from assessments import views

urlpatterns = [
    path("", views.home, name="home"),
    path("language/", views.switch_language, name="switch_language"),
    path("team/", views.team, name="team"),
    path("assessments/<int:pk>/", views.assessment_form, name="assessment"),
    path("assessments/<int:pk>/submit/", views.assessment_submit, name="assessment_submit"),
    path("assessments/<int:pk>/sign-off/", views.assessment_sign_off, name="assessment_sign_off"),
    path("assessments/<int:pk>/next/", views.assessment_next, name="assessment_next"),
    path("assessments/<int:pk>/reopen/", views.assessment_reopen, name="assessment_reopen"),
    path("cycles/", views.cycle_list, name="cycle_list"),
    path("cycles/new/", views.cycle_create, name="cycle_create"),
    path("cycles/<int:pk>/", views.cycle_detail, name="cycle_detail"),
    path("cycles/<int:pk>/open/", views.cycle_open, name="cycle_open"),
    path("cycles/<int:pk>/close/", views.cycle_close, name="cycle_close"),
    path("cycles/<int:cycle_pk>/people/<int:employee_pk>/", views.results, name="results"),
    path("organisation/import/", views.organisation_import, name="organisation_import"),
    # Names that links in notification emails reverse; they point at the same pages.
    path("assessments/<int:pk>/", views.assessment_form, name="self_assessment"),
    path("assessments/<int:pk>/", views.assessment_form, name="manager_assessment"),
    path("cycles/<int:pk>/", views.cycle_detail, name="hr_cycle"),
]
