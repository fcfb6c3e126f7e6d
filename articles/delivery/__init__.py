"""How story pages reach readers: stored pages, content versions, surrogate keys, and
what a change retires."""
