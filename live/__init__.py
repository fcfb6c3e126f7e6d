"""Live coverage ("Онлайн"): a story with timestamped entries readers follow live."""
