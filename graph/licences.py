"""Which workloads a licence gives: by service plan and SKU id (Graph), by name (exports).

Teams is detected by its service plan, never by SKU: suites "(no Teams)" exist. Ids are from
Microsoft's "Product names and service plan identifiers for licensing" reference.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from adoption.licences import SKU_NAMES
from adoption.signals import Workload, workload_bit

TEAMS1 = "57ff2da0-773e-42df-b2af-ffb7a2317929"
COPILOT_SKU = "639dec6b-bb19-468b-871c-c5c441c4b0cb"
SHAREPOINT_STANDARD = "c7699d2e-19aa-44de-8edf-1736da088ca1"
SHAREPOINT_ENTERPRISE = "5dbe027f-2339-4123-9542-606e4d348a72"
EXCHANGE_S_ENTERPRISE = "efb87545-963c-4e0d-99df-69c6916d9eb0"
EXCHANGE_S_STANDARD = "9aaf7827-d63c-4b61-89c3-182f06f82e5c"
YAMMER_ENTERPRISE = "7547a3fe-08ee-4ccb-b430-5077c5041653"
OFFICESUBSCRIPTION = "43de0ff5-c92c-492b-9116-175376d08c38"

PLAN_WORKLOADS: dict[str, tuple[Workload, ...]] = {
    TEAMS1: (Workload.TEAMS,),
    # OneDrive for Business ships inside the SharePoint plans.
    SHAREPOINT_STANDARD: (Workload.SHAREPOINT, Workload.ONEDRIVE),
    SHAREPOINT_ENTERPRISE: (Workload.SHAREPOINT, Workload.ONEDRIVE),
    EXCHANGE_S_ENTERPRISE: (Workload.EXCHANGE,),
    EXCHANGE_S_STANDARD: (Workload.EXCHANGE,),
    YAMMER_ENTERPRISE: (Workload.ENGAGE,),
    OFFICESUBSCRIPTION: (Workload.APPS,),
}
SKU_WORKLOADS: dict[str, tuple[Workload, ...]] = {COPILOT_SKU: (Workload.COPILOT,)}


def mask_from_ids(enabled_plan_ids: Iterable[str], sku_ids: Iterable[str]) -> int:
    """Workload mask from enabled service plans and assigned SKUs (Graph directory data)."""
    mask = 0
    for plan in enabled_plan_ids:
        for workload in PLAN_WORKLOADS.get(plan.lower(), ()):
            mask |= workload_bit(workload)
    for sku in sku_ids:
        for workload in SKU_WORKLOADS.get(sku.lower(), ()):
            mask |= workload_bit(workload)
    return mask


_SUITES_WITH_APPS = ("e3", "e5", "a3", "a5", "business standard", "business premium", "apps for")
_SUITES = (*_SUITES_WITH_APPS, "e1", "f1", "f3", "business basic", "office 365")


def mask_from_product_names(products: Iterable[str]) -> int:
    """Best-effort workload mask from product display names (admin-center exports only,
    which carry no ids). Unknown names give nothing rather than a guess."""
    mask = 0
    for product in products:
        name = product.casefold()
        if "copilot" in name:
            mask |= workload_bit(Workload.COPILOT)
        if not any(suite in name for suite in _SUITES):
            continue
        for workload in (Workload.EXCHANGE, Workload.ONEDRIVE, Workload.SHAREPOINT):
            mask |= workload_bit(workload)
        if "no teams" not in name:
            mask |= workload_bit(Workload.TEAMS)
        if any(suite in name for suite in _SUITES_WITH_APPS):
            mask |= workload_bit(Workload.APPS)
    return mask


def join_skus(part_numbers: Iterable[str]) -> str:
    """A person's SKU part numbers as the directory mirror stores them: sorted, distinct,
    space-separated (part numbers hold no spaces)."""
    return " ".join(sorted({p for p in part_numbers if p}))


def split_skus(joined: str) -> frozenset[str]:
    return frozenset(joined.split())


def skus_from_ids(sku_ids: Iterable[str], part_numbers: Mapping[str, str]) -> str:
    """Assigned SKU ids (Graph `assignedLicenses`) as part numbers, through the tenant's
    subscribed SKUs; an id the tenant does not subscribe to keeps its id."""
    return join_skus(part_numbers.get(sku.lower(), sku.lower()) for sku in sku_ids)


# Product display names (admin-center users export, "Licenses" column) -> part numbers:
# the names of adoption.licences.SKU_NAMES, case-insensitively. A name not listed there
# (regional variants, trials, free products) is left out and counted by the caller: a wrong
# part number would put a price on a licence nobody bought.
_BY_NAME = {name.casefold(): part for part, name in SKU_NAMES.items()}


def skus_from_product_names(products: Iterable[str]) -> tuple[str, int]:
    """(joined part numbers, how many names were not recognised)."""
    found: list[str] = []
    unknown = 0
    for product in products:
        part = _BY_NAME.get(" ".join(product.split()).casefold())
        if part is None:
            unknown += 1
        else:
            found.append(part)
    return join_skus(found), unknown
