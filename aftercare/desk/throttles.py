"""The public rescue form's limits (docs/DOMAIN.md §25.2): per client IP and per mobile,
counted in Django's cache by DRF's own rate throttle (one mechanism, reused outside the API)."""

import re

from rest_framework.throttling import SimpleRateThrottle

# docs/DOMAIN.md §25.2: at most 10 posts of the form an hour from one IP address, and 5
# requests an hour for one mobile.
RESCUE_IP_RATE = "10/hour"
RESCUE_PHONE_RATE = "5/hour"


class RescueIpThrottle(SimpleRateThrottle):
    scope = "desk_rescue_ip"
    rate = RESCUE_IP_RATE

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class RescuePhoneThrottle(SimpleRateThrottle):
    scope = "desk_rescue_phone"
    rate = RESCUE_PHONE_RATE

    def __init__(self, phone: str):
        super().__init__()
        self.phone = re.sub(r"\D", "", phone or "")[-11:]

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.phone} if self.phone else None


def rescue_ip_allowed(request) -> bool:
    """Counts this post of the form; False once the IP is over its limit."""
    return RescueIpThrottle().allow_request(request, None)


def rescue_phone_allowed(request, phone: str) -> bool:
    """Counts one request for `phone`; False once the mobile is over its limit."""
    return RescuePhoneThrottle(phone).allow_request(request, None)
