"""Region codes nest by prefix (GB/T 2260): the shared rule, re-exported for this service."""

from dudao_shared.regions import region_covers, region_prefix

__all__ = ["region_covers", "region_prefix"]
