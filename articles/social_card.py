"""The site's default social card: its name on the brand colours, as the logo shows it.

Shared links and search results need a picture; a story without one of its own shows
this card (Open Graph and NewsArticle `image`), and the home, section and search pages
show it always. `manage.py make_social_card` draws it again for another SITE_NAME.
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

SIZE = (1200, 630)  # what Facebook, X and messengers show large; declared in the pages
PATH = "img/social-card.png"  # under the project's static folder
BRAND = (11, 61, 145)  # --brand of site.css
ACCENT = (255, 213, 0)  # --accent, the logo's bar and letters
FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
)


def _font(size):
    for candidate in FONTS:
        if Path(candidate).exists():
            return ImageFont.truetype(candidate, size)
    return ImageFont.load_default(size)


def draw_card(name, tagline):
    """A 1200×630 picture: the accent bar and the name, the tagline under them."""
    card = Image.new("RGB", SIZE, BRAND)
    draw = ImageDraw.Draw(card)
    size = 150
    while size > 40 and draw.textlength(name, font=_font(size)) > SIZE[0] - 220:
        size -= 6
    draw.rectangle((100, 210, 124, 210 + size + 20), fill=ACCENT)
    draw.text((160, 210), name, font=_font(size), fill=ACCENT)
    draw.text((160, 250 + size), tagline, font=_font(44), fill=(255, 255, 255))
    return card


def write_card(folder, name, tagline):
    """Draw the card into `folder`/img/social-card.png; return its path."""
    target = Path(folder) / PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    draw_card(name, tagline).save(target, optimize=True)
    return target
