"""Visit photos: what is accepted and how it is stored.

A photo is at most ``settings.PHOTO_MAX_SIZE`` bytes and must be an image Pillow can read (a renamed text or zip
file is refused). Photos whose longest side exceeds ``settings.PHOTO_MAX_SIDE`` pixels are scaled down before they
are stored, turned the way their EXIF orientation says, so they look as taken.
"""

import io
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

# Formats stored as they came when scaled down; anything else is stored as JPEG.
KEPT_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def validate_photo(file) -> None:
    """Raise ValidationError unless ``file`` is an image within the size limit. Leaves the file at its start."""
    limit = settings.PHOTO_MAX_SIZE
    if file.size is not None and file.size > limit:
        raise ValidationError(
            _("The photo is larger than %(size)s MB.") % {"size": f"{limit / (1024 * 1024):g}"}, code="photo_too_large"
        )
    try:
        file.seek(0)
        with Image.open(file) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValidationError(_("The file is not a photo (JPEG, PNG or WebP)."), code="not_a_photo") from exc
    finally:
        file.seek(0)


def prepared_photo(file):
    """``file`` as it is to be stored: the same file when small enough, else a scaled-down copy (longest side
    ``settings.PHOTO_MAX_SIDE`` pixels, EXIF orientation applied). Call :func:`validate_photo` first."""
    side = settings.PHOTO_MAX_SIDE
    file.seek(0)
    with Image.open(file) as image:
        if max(image.size) <= side:
            file.seek(0)
            return file
        fmt = image.format if image.format in KEPT_FORMATS else "JPEG"
        image.draft("RGB", (side, side))  # JPEG: decode at a reduced size straight away (memory and time)
        upright = ImageOps.exif_transpose(image)
        upright.thumbnail((side, side), Image.Resampling.LANCZOS)
        if fmt == "JPEG" and upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        buffer = io.BytesIO()
        upright.save(buffer, format=fmt, **({"quality": 85, "optimize": True} if fmt == "JPEG" else {}))
    name = PurePath(getattr(file, "name", "") or "photo").stem or "photo"
    return ContentFile(buffer.getvalue(), name=f"{name}.{KEPT_FORMATS.get(fmt, 'jpg')}")
