"""Who the client is: the address the trusted proxies name, for every limit of the site."""

from ratings.services import client_address


def client_ip(request):
    """The client's address for the admin login throttle (django-axes), as for vote limits.

    X-Forwarded-For is believed only from TRUSTED_PROXIES, so an attacker cannot lock out
    every editor behind the load balancer, nor escape the lockout by inventing addresses.
    """
    return client_address(request) or None
