"""Photos for the picture library's tests: made with Pillow, with what real photos carry."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

RED = (220, 20, 20)


def photo(size=(1200, 800), *, orientation=1, gps=True, mark_at=None, fmt="JPEG", name=None):
    """A JPEG like a phone's: grey, with a red square at `mark_at` (fractions, as stored),
    an EXIF orientation, a camera model and a GPS position."""
    picture = Image.new("RGB", size, (128, 128, 128))
    if mark_at:
        side = min(size) // 6
        x, y = round(mark_at[0] * size[0]), round(mark_at[1] * size[1])
        picture.paste(RED, (x - side // 2, y - side // 2, x + side // 2, y + side // 2))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x0110] = "Phone 15"  # camera model
    if gps:
        exif[0x8825] = {1: "N", 2: (50.0, 27.0, 0.0), 3: "E", 4: (30.0, 31.0, 0.0)}
    buffer = io.BytesIO()
    picture.save(buffer, fmt, exif=exif.tobytes(), quality=90)
    return SimpleUploadedFile(name or f"photo.{fmt.lower()}", buffer.getvalue(), "image/jpeg")


def red_share(data):
    """The share of clearly red pixels in an encoded picture."""
    with Image.open(io.BytesIO(data)) as picture:
        small = picture.convert("RGB").resize((60, round(60 * picture.height / picture.width)))
    data = small.tobytes()
    pixels = [data[i : i + 3] for i in range(0, len(data), 3)]
    return sum(1 for r, g, b in pixels if r > 150 and g < 90 and b < 90) / len(pixels)
