"""After marking a notification, the inbox goes back only to a page of this site."""

import pytest

from dispatch.tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("target", ["https://evil.example/phish", "//evil.example/", "javascript:alert(1)"])
def test_marking_read_never_redirects_off_the_site(office_client, target):
    notification = NotificationFactory()
    response = office_client.post(f"/office/notifications/{notification.pk}/read/", {"next": target})
    assert response.status_code == 302
    assert response.url == "/office/notifications/"
    notification.refresh_from_db()
    assert notification.is_read


def test_marking_read_goes_back_to_the_page_it_came_from(office_client):
    notification = NotificationFactory()
    response = office_client.post(
        f"/office/notifications/{notification.pk}/read/", {"next": "/office/notifications/?show=unread"}
    )
    assert response.url == "/office/notifications/?show=unread"
