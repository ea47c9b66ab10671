"""API of the technology market: achievements, demands, experts, matches, contracts, search, check queries. Scoped
and masked exactly like the pages (every query starts from the selectors' scoped querysets).

One Router per sub-domain, assembled here under the "techmarket" tag; kechuang/api.py mounts `router`. A
sub-module's routes keep the operation ids of the one api.py they came from (kechuang/api.py names them by package)."""

from ninja import Router

from kechuang.techmarket.api import achievements, check_queries, contracts, demands, experts, matches, search

router = Router(tags=["techmarket"])
for part in (achievements, demands, experts, matches, contracts, search, check_queries):
    router.add_router("", part.router)
