import pytest
from django.test import Client

from tests.staff.builders import staff_user


@pytest.fixture
def client_as():
    def make(role: str | None, **client_kwargs) -> Client:
        client = Client(**client_kwargs)
        client.user = staff_user(role)
        client.force_login(client.user)
        return client

    return make
