from django.urls import path

from kechuang.cockpit import views

# No namespace: "cockpit" is the site's home (LOGIN_REDIRECT_URL, the brand link, the error pages).
urlpatterns = [path("", views.cockpit, name="cockpit")]
