from django.urls import path

from competency import views

app_name = "competency"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("<slug:code>/", views.catalogue, name="track"),
]
