import pytest

pytestmark = pytest.mark.django_db


def test_anonymous_home_goes_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_technician_gets_403_on_office(tech_client):
    assert tech_client.get("/office/").status_code == 403


def test_office_user_gets_403_on_tech(office_client):
    assert office_client.get("/tech/").status_code == 403
