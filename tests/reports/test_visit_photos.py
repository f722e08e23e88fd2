"""Visit photos (issue 17, item 11): at most PHOTO_MAX_SIZE bytes, a real image, large ones scaled down.

Through the API (400 with a field error) and the visit form (a form message), nothing half-saved.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from reports.models import Visit, VisitPhoto
from tests.reports.test_api import visit_payload
from tests.reports.test_views import visit_post


def _image(size: tuple[int, int], fmt: str = "JPEG", orientation: int | None = None) -> bytes:
    image = Image.new("RGB", size)
    image.paste((200, 30, 30), (0, 0, size[0] // 2, size[1]))  # left half red: shows which way up it is
    buffer = io.BytesIO()
    kwargs = {}
    if orientation:
        exif = Image.Exif()
        exif[0x0112] = orientation
        kwargs["exif"] = exif
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


@pytest.fixture
def visit(org, cards, api_for):
    return api_for(org.rep_a1).post("/api/visits/", visit_payload(cards.a1), format="json").json()


def _post_photo(api, visit, content: bytes, name: str = "shelf.jpg"):
    upload = SimpleUploadedFile(name, content, content_type="image/jpeg")
    return api.post(f"/api/visits/{visit['id']}/photos/", {"kind": "display", "image": upload}, format="multipart")


@override_settings(PHOTO_MAX_SIZE=50 * 1024)
def test_a_photo_over_the_size_limit_is_a_400_field_error(org, visit, api_for):
    # A real JPEG padded past the limit (the limit is lowered to keep the test file small).
    content = _image((64, 64)) + b"\0" * (50 * 1024)
    response = _post_photo(api_for(org.rep_a1), visit, content)
    assert response.status_code == 400 and "larger than" in " ".join(response.json()["image"])
    assert not VisitPhoto.objects.exists()


@pytest.mark.parametrize(
    "content",
    [b"just some text, renamed to .jpg", b"PK\x03\x04" + b"\0" * 200, b"\xff\xd8\xff\xe0 truncated jpeg"],
    ids=["text", "zip", "broken-jpeg"],
)
def test_a_file_that_is_not_an_image_is_a_400_field_error(org, visit, api_for, content):
    response = _post_photo(api_for(org.rep_a1), visit, content)
    assert response.status_code == 400 and "image" in response.json()
    assert not VisitPhoto.objects.exists()


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    width=st.integers(min_value=2049, max_value=3200),
    height=st.integers(min_value=16, max_value=3200),
    fmt=st.sampled_from(["JPEG", "PNG"]),
)
def test_a_large_photo_is_stored_with_its_longest_side_at_2048(org, visit, api_for, width, height, fmt):
    response = _post_photo(api_for(org.rep_a1), visit, _image((width, height), fmt), f"shelf.{fmt.lower()}")
    assert response.status_code == 201, response.json()
    photo = VisitPhoto.objects.get(pk=response.json()["id"])
    with photo.image.open("rb") as stored, Image.open(stored) as image:
        assert max(image.size) == 2048
        scale = 2048 / max(width, height)
        assert abs(image.size[0] - width * scale) <= 1 and abs(image.size[1] - height * scale) <= 1  # same shape


def test_a_large_photo_keeps_its_exif_orientation(org, visit, api_for):
    # Orientation 6: the camera was turned, the picture is to be rotated 90° clockwise to be upright.
    response = _post_photo(api_for(org.rep_a1), visit, _image((4000, 3000), orientation=6))
    assert response.status_code == 201
    with VisitPhoto.objects.get().image.open("rb") as stored, Image.open(stored) as image:
        assert image.size == (1536, 2048)  # upright: now taller than wide
        top_red, bottom_red = image.getpixel((1000, 10)), image.getpixel((1000, 2030))
        assert top_red[0] > 150 and bottom_red[0] < 100  # the red left half is now at the top


def test_a_small_photo_is_stored_as_it_came(org, visit, api_for):
    content = _image((640, 480))
    assert _post_photo(api_for(org.rep_a1), visit, content).status_code == 201
    with VisitPhoto.objects.get().image.open("rb") as stored:
        assert stored.read() == content


@override_settings(PHOTO_MAX_SIZE=50 * 1024)
def test_the_visit_form_says_what_is_wrong_with_a_photo_and_saves_nothing(org, cards, client_for):
    client = client_for(org.rep_a1)
    for content, message in (
        (_image((64, 64)) + b"\0" * (50 * 1024), "larger than"),
        (b"PK\x03\x04 a zip named like a photo", "Upload a valid image"),
    ):
        data = visit_post(cards.a1, outcome="OK")
        data["display"] = SimpleUploadedFile("shelf.jpg", content, content_type="image/jpeg")
        response = client.post("/reports/visits/new/", data)
        assert response.status_code == 200 and message in response.content.decode()
    assert not Visit.objects.exists() and not VisitPhoto.objects.exists()
