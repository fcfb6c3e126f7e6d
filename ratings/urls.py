from django.urls import path

from ratings import views

app_name = "ratings"
urlpatterns = [
    path("<str:label>/<str:object_id>/<slug:field>/vote/", views.vote, name="vote"),
    path("<str:label>/<str:object_id>/<slug:field>/unvote/", views.unvote, name="unvote"),
    path("<str:label>/<str:object_id>/<slug:field>/mine/", views.mine, name="mine"),
]
