"""Bodies larger than REQUEST_BODY_MAX_BYTES are refused (413) before anything reads them, on every path: Django
bounds form fields itself but would stream an upload of any size to disk before the import form could refuse it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.test import override_settings
from django.urls import reverse

from customers.imports import MAX_IMPORT_BYTES
from customers.models import CustomerImport
from tests.api.conftest import Api, make_api_key
from tests.api.test_errors import assert_error

pytestmark = pytest.mark.django_db

IMPORT = reverse("staff:import_create")


class UploadSeen(Exception):
    pass


class RefuseToRead(FileUploadHandler):
    """Installed as the only upload handler: reading any uploaded file at all fails the request."""

    def new_file(self, *args, **kwargs):
        raise UploadSeen()

    def receive_data_chunk(self, raw_data, start):
        raise UploadSeen()

    def file_complete(self, file_size):
        raise UploadSeen()


def csv_upload(size: int) -> bytes:
    header = b"email\n"
    return header + b"a@b.example\n" * ((size - len(header)) // 12 + 1)


@override_settings(REQUEST_BODY_MAX_BYTES=64 * 1024, FILE_UPLOAD_HANDLERS=[f"{__name__}.RefuseToRead"])
def test_an_oversize_upload_is_refused_before_it_is_read(client_as):
    client = client_as("account_manager")
    response = client.post(IMPORT, {"file": SimpleUploadedFile("big.csv", csv_upload(100 * 1024))})
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/plain")
    assert not CustomerImport.objects.exists()


def test_the_default_limit_leaves_room_for_the_largest_import(settings):
    assert settings.REQUEST_BODY_MAX_BYTES >= MAX_IMPORT_BYTES + 64 * 1024


@override_settings(REQUEST_BODY_MAX_BYTES=64 * 1024)
def test_an_upload_under_the_limit_reaches_the_import_form(client_as):
    client = client_as("account_manager")
    response = client.post(IMPORT, {"file": SimpleUploadedFile("small.csv", csv_upload(30 * 1024))})
    assert response.status_code == 302
    assert CustomerImport.objects.get().total_rows > 2000


@override_settings(REQUEST_BODY_MAX_BYTES=64 * 1024, DATA_UPLOAD_MAX_MEMORY_SIZE=10 * 1024 * 1024)
def test_an_oversize_api_body_is_a_json_413():
    response = Api(make_api_key()).post(
        "customers", {"email": "a@b.example", "custom_data": {"blob": "x" * 100 * 1024}}
    )
    error = assert_error(response, 413, "request_too_large")
    assert error["detail"] == "The body must not exceed 65536 bytes."
