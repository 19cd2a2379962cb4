import pytest


@pytest.mark.django_db
def test_error_for_a_disallowed_host_is_json_not_a_crash(client, settings):
    settings.PUBLIC_BASE_URL = ""
    response = client.get("/api/v1/customers", HTTP_HOST="evil.example")
    assert response.status_code == 400
    body = response.json()
    assert body["error"]["code"] == "bad_request"
    assert body["error"]["documentation_url"].startswith("/api/v1/docs#errors-")
