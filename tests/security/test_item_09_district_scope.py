"""Checklist item 9: a district officer cannot read, list or export another district's records.

The proof lives in tests/core/test_scope.py (liaisons by every path: selector, list, list filter, detail, edit,
archive, export, API) and in the walk (tests/core/test_walk.py: every URL with a record in it, for each district
and department officer, answers 404 for the other unit's record and no body carries an out-of-scope identifier).
The scope tests are named here under the item's number.
"""

from __future__ import annotations

from tests.core import test_scope
from tests.core.test_scope import liaisons  # noqa: F401  (the fixture the aliased tests use)

test_item_09_list_shows_only_own_district = test_scope.test_list_page
test_item_09_list_filter_cannot_widen_scope = test_scope.test_list_page_filter_cannot_widen_scope
test_item_09_other_district_record_is_404 = test_scope.test_detail_page
test_item_09_export_holds_only_own_district = test_scope.test_export
test_item_09_api_other_district_is_404 = test_scope.test_api_other_region_is_not_found
test_item_09_api_list_holds_only_own_district = test_scope.test_api_list_and_create
test_item_09_selector_scope_per_role = test_scope.test_selector_scope_per_role
