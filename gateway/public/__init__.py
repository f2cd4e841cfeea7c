"""The public site (信息公示): gateway/public/site.py."""

from gateway.public.site import public_site

__all__ = ["public_site"]
