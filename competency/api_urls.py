from django.urls import path

from competency import api

urlpatterns = [
    path("competencies/", api.CompetencyListApi.as_view(), name="api-competency-list"),
    path("competencies/<str:code>/", api.CompetencyDetailApi.as_view(), name="api-competency-detail"),
]
