"""The matching engine: demand → achievements / experts, achievement → demands.

Plain Python (no Django). Pipeline for one query (defaults measured component by component on the labelled
demand-style devset and the leak-free CSL tasks, bench/matching.py, issue 13):

1. segment (rjieba + the taxonomy and vocabulary words, search mode so longer dictionary words still find their
   parts) and drop stopwords; a term inside a longer query term (search mode's parts) weighs `subterm_weight`
   (0.5); long queries keep their `max_query_terms` best terms by tf·idf. Records' keywords are not learned as
   dictionary words (`learn_keywords`, off): they swallowed the word a demand uses;
2. expand with the domain vocabulary (lay term → technical terms); RM3 pseudo-relevance feedback, keyword
   co-occurrence and LSA neighbours exist but are off (measured: they earn nothing);
3. score with tantivy BM25 (k1 = 1.2, b = 0.75): one BM25 over the whole record (title + keywords + text), each
   query term with its own weight; the extra title/keyword BM25s (`title_boost`, `keywords_boost`) are off: they
   rewarded short titles with one generic word. User text only ever becomes term queries, never query syntax;
4. field routing: the fields of the first pass's top `route_docs` records, weighted like RM3's p(d|q), give
   records of those fields a boost capped at `route_cap` (0.1) of the best first-pass score (uncapped it added a
   median 37 % and buried neighbouring fields); the naive Bayes classifier can add its p(field | query) (off);
5. dense retrieval (when the engine has an embedder and its records' vectors): the query's e5 vector against every
   record's (vectors.py: an exact scan, or above 20k rows sign codes with exact rescoring), its top `dense_depth`
   fused with the lexical top `dense_depth`
   by reciprocal rank fusion (fusion.py, k = 60, no weights); `exclude_ids`, `kind` and `field` apply to both
   (devset nDCG@10 0.741 fused against 0.681 lexical, paraphrased 0.634 / 0.517; bench/matching.py);
6. explain each result: matched terms per field (no function words: `Segmenter.explains`), the expansions used, a
   highlighted snippet, whether the record is in the query record's own field (`query_field`), and `weak` when
   the lexical score is under `weak_score` (precision < 0.1 on the devset below it; a record that only the dense
   stage found has no lexical score and is weak too: it shares few words with the query).

Index layout under `index_dir`: `tantivy/` (the index, fed pre-tokenised text: whitespace-joined tokens through a
whitespace + lower-case analyzer; the scored fields hold search-mode tokens, `text_view` holds the precise-mode
tokens that tantivy's snippet generator highlights), `dictionary.txt` (words learned from records' keywords and
given by the caller, so a reopened index segments as it did), `semantic.npz`/`semantic.json` (the fitted
classifier and LSA vectors), `engine.json` (schema version), `vectors/` (the dense vectors, by record id, with the
model that made them: another model empties it).

Writes: each add/update/delete opens a writer, commits and releases it (tantivy allows one writer per index, so
run writes from one process, e.g. the task worker), then reloads the reader; measured add → searchable latency is
in bench/matching.py. Models fitted by `rebuild`/`refit` do not learn from later single adds until the next
`refit` (a nightly task is enough: they only shape expansions and boosts).

Measured (bench/matching.py, CSL 4,758 records; baseline jieba + rank-bm25; figures in README's bench table):
labelled devset nDCG@10 BM25 0.610 → engine 0.681 (today's engine before issue 13: 0.646); T2A/K2A at or above
BM25; at 100,000 records the lexical stage p50 < 1 ms, add → searchable ≈ 15–60 ms.
tantivy was chosen over bm25s by measurement (the former bench/bench_matching.py, in git history): equal quality
and raw query cost at k = 10 on the same tokens, faster build, and it is persistent, incremental and has snippets.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import shutil
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from dataclasses import field as dc_field
from pathlib import Path
from typing import Any

import tantivy
from tantivy import Filter, Occur, Query, SchemaBuilder, SnippetGenerator, TextAnalyzerBuilder, Tokenizer

from .embedder import Embedder, passage_text
from .fusion import reciprocal_rank_fusion
from .segmenter import DEMAND_STOPWORDS, GENERIC_TERMS, MAX_TOKEN_CHARS, Segmenter, is_ascii_word, join_tokens
from .semantic import SemanticModel, rm3_terms
from .taxonomy import taxonomy_words
from .vectors import VectorEntry, VectorStore
from .vocabulary import Vocabulary
from .vocabulary_seed import default_vocabulary

# 4: records' keywords are no longer learned by default (issue 13); an index of an older version is rebuilt and its
# dictionary.txt, which holds the words learned then, is dropped
SCHEMA_VERSION = 4
KINDS = ("achievement", "demand", "expert")
TEXT_FIELDS = ("title", "keywords", "text")
_ANALYZER = "kc_ws_lower"
_VIEW = "text_view"
_ALL = "all"


@dataclass
class MatchDoc:
    """One searchable record: an achievement, a demand or an expert profile."""

    id: str
    kind: str = "achievement"
    title: str = ""
    text: str = ""
    keywords: list[str] = dc_field(default_factory=list)
    field: str = ""

    @classmethod
    def coerce(cls, value: MatchDoc | Mapping[str, Any]) -> MatchDoc:
        if isinstance(value, MatchDoc):
            doc = value
        else:
            known = {f.name for f in fields(cls)}
            doc = cls(**{k: v for k, v in value.items() if k in known})
        if not doc.id or not str(doc.id).strip():
            raise ValueError("a document needs a non-empty id")
        if doc.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {doc.kind!r}")
        keywords = [doc.keywords] if isinstance(doc.keywords, str) else list(doc.keywords or [])
        return replace(
            doc,
            id=str(doc.id),
            title=doc.title or "",
            text=doc.text or "",
            keywords=[str(k) for k in keywords if str(k).strip()],
            field=doc.field or "",
        )


@dataclass
class MatchOptions:
    # scoring: BM25 of the whole record (title + keywords + text) plus extra BM25s of single fields, times boosts
    all_boost: float = 1.0
    # title/keyword boosts rewarded short titles with one generic word (合成, 轴承, 烧结); measured on the labelled
    # devset (bench/matching.py, issue 13): off +0.005 nDCG@10, 0.1 no better than 0: off
    title_boost: float = 0.0
    keywords_boost: float = 0.0
    text_boost: float = 0.0
    index_search_mode: bool = True  # index tokens in search mode too (measured: PK nDCG@10 +0.02..0.04)
    query_search_mode: bool = True  # query tokens in rjieba search mode (long words plus their parts)
    subterm_weight: float = 0.5  # a query term inside a longer query term (search mode's parts) counts this much
    demand_stopwords: bool = True  # drop demand boilerplate (厂, 技术, 想找, 太高…) from queries too
    # generic words (降低, 温度, 处理, 方法 …: segmenter.GENERIC_TERMS, data/generic_terms.txt) count this much in a
    # query; they are never shown as matched terms. Down-weighting them does not earn its place: labelled devset
    # nDCG@10 0.6856 at 1.0, −0.0004 at 0.5, −0.005 at 0.25, −0.010 at 0 (checks −0.003 / −0.013 / −0.025)
    generic_weight: float = 1.0
    max_query_terms: int = 48  # long queries (an achievement's text) keep their best terms by tf·idf
    # records' keywords joining the segmentation dictionary swallow the word a demand uses (a keyword 陶瓷烧结工艺
    # keeps 烧结 from being cut out of the query): devset −0.012 nDCG@10, paraphrased −0.024 (issue 13): off
    learn_keywords: bool = False
    # domain vocabulary (lay term → technical terms)
    vocabulary_expansion: bool = True
    vocabulary_weight: float = 1.0
    vocabulary_reverse: bool = False  # technical term in the query → also its lay terms
    # RM3 pseudo-relevance feedback: earns nothing once the boosts are gone and routing is capped (off: devset
    # nDCG@10 ±0.000, paraphrased −0.004, shared +0.005; T2A −0.001, K2A +0.001, PK −0.001, DISC +0.002): off
    prf: bool = False
    prf_docs: int = 5
    prf_terms: int = 10
    prf_weight: float = 0.4  # λ: share of the query weight given to feedback terms
    prf_max_query_terms: int = 6  # > 0: feedback only for queries with at most this many terms (vague ones)
    # LSA query expansion (measured: PK −0.005, DISC ±0 once the field boost is on: off)
    lsa: bool = False
    lsa_rank: int = 128
    lsa_terms: int = 5
    lsa_weight: float = 0.1
    lsa_min_similarity: float = 0.35
    # field classifier boost (measured before routing: DISC +0.11 nDCG@10; with route_feedback on it costs
    # T2A −0.002, PK −0.002, DISC −0.02: off, routing does its job)
    field_boost: bool = False
    field_boost_weight: float = 0.3
    field_top: int = 3
    field_min_probability: float = 0.1
    nb_alpha: float = 0.1
    nb_temperature: float = 3.0
    # field routing from the first pass: the fields of the top first-pass records (weighted like RM3's p(d|q))
    # become a boost too — a vague two-keyword query says little to the classifier, its best matches say more
    route_feedback: bool = True
    route_docs: int = 5
    route_weight: float = 0.6
    # issue 13: today's routing added a median 37 % of the top score to whole fields. `route_cap` caps the boost a
    # field gets (share of the best first-pass score); `route_min_agreement` routes only when the first pass agrees
    # (the leading field's share of the route_docs votes)
    # (devset nDCG@10: uncapped 0.667 without routing, 0.646 with it, 0.681 capped at 0.1; the agreement gate
    # brought nothing on top: 0)
    route_cap: float = 0.1
    route_min_agreement: float = 0.0
    # a result scoring below this (BM25 of the expanded query, before any dense fusion) is a weak match: on the
    # labelled devset, results under 11.1 (the bottom fifth) were relevant in 6.2 % of cases (bench/matching.py,
    # matching_labelled_score_bands); the score depends on the library's idf, so re-measure on another corpus
    weak_score: float = 11.1
    # keyword co-occurrence expansion: records' keywords that co-occur with a query keyword (learned by refit)
    keyword_expansion: bool = False  # measured: PK −0.01, DISC −0.03 on CSL; off
    keyword_expansion_terms: int = 6
    keyword_expansion_weight: float = 0.3
    keyword_expansion_min_count: int = 2
    # dense retrieval, fused with the lexical ranking by RRF (only with an embedder; see `dense_active`)
    dense: bool = True
    dense_depth: int = 100  # records taken from each ranking into the fusion
    rrf_k: int = 60
    dense_missing: float = 0.01  # dense joins once at most this share of the index lacks a vector
    # the dense stage also reads the vocabulary's technical terms for the lay words of the query (appended to it)
    # (devset nDCG@10 0.740 with it against 0.741 without, paraphrased 0.632 / 0.634: off)
    dense_query_vocabulary: bool = False
    dense_query_chars: int = 256  # a long query (a demand's description, a record's text) is embedded from its start:
    # the model's cost grows with the tokens, and a detail page's matches must not wait a second for them
    # output
    snippet_chars: int = 120
    writer_heap_bytes: int = 64_000_000
    writer_threads: int = 1


@dataclass
class Explanation:
    matched_terms: list[str]
    field_terms: dict[str, list[str]]  # title / keywords / text → query terms found there
    vocabulary: dict[str, list[str]]  # lay term found in the query → technical terms added
    prf_terms: list[str]
    lsa_terms: list[str]
    matched_expansions: list[str]  # expansion terms (any source) that this record contains
    snippet: str
    highlights: list[tuple[int, int]]  # character ranges of `snippet`
    snippet_html: str
    query_fields: list[tuple[str, float]]  # the classifier's fields for the query, with p(field | query)
    field_match: bool  # the record's field is the query record's own field (`query_field`); never a guess
    field_boost: float
    dense_similarity: float | None = None  # cosine similarity of the record's vector to the query's (fused only)
    lexical_rank: int | None = None  # the record's rank in each ranking that was fused (None: not in its top)
    dense_rank: int | None = None

    def as_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["highlights"] = [list(h) for h in self.highlights]
        data["query_fields"] = [[f, round(p, 4)] for f, p in self.query_fields]
        return data


@dataclass
class Match:
    id: str
    kind: str
    title: str
    field: str
    score: float
    matched_terms: list[str]
    explanation: Explanation | None = None
    weak: bool = False  # the lexical score is under MatchOptions.weak_score: show it as a weak match

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "weak": self.weak,
            "kind": self.kind,
            "title": self.title,
            "field": self.field,
            "score": round(self.score, 6),
            "matched_terms": self.matched_terms,
            "explanation": self.explanation.as_dict() if self.explanation else None,
        }


@dataclass
class _QueryPlan:
    weights: dict[str, float]
    origin: dict[str, str]  # term → query / vocabulary / prf / lsa
    vocabulary: dict[str, list[str]]
    prf_terms: list[str] = dc_field(default_factory=list)
    lsa_terms: list[str] = dc_field(default_factory=list)
    keyword_terms: list[str] = dc_field(default_factory=list)
    query_fields: list[tuple[str, float]] = dc_field(default_factory=list)
    # search-mode pieces from inside a longer query word, across its parts (化处 of 生化|处理): they score, but
    # say nothing true as a reason
    fragments: frozenset[str] = frozenset()


class MatchEngine:
    """Search over achievements, demands and experts kept in a persistent tantivy index under `index_dir`.

    `vocabulary`: lay → technical mappings (a {lay: [technical]} dict, (lay, [technical]) pairs, or a Vocabulary);
    None (the default) means the seed in vocabulary_seed.py, `[]` means none. `dictionary_words`: extra
    segmentation words (the field taxonomy is always included). `options`: a MatchOptions. `embedder`: an
    embedder.Embedder for dense retrieval (None: lexical only); its vectors live in `index_dir / "vectors"`.
    """

    def __init__(
        self,
        index_dir: str | Path,
        vocabulary: Any = None,
        dictionary_words: Iterable[str] = (),
        options: MatchOptions | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        self.options = options or MatchOptions()
        self.index_dir = Path(index_dir)
        self.index_dir.mkdir(parents=True, exist_ok=True)
        self.vocabulary = Vocabulary.coerce(default_vocabulary() if vocabulary is None else vocabulary)
        self.embedder = embedder
        self.vectors = (
            VectorStore(self.index_dir / "vectors", embedder.model_id, embedder.dim) if embedder is not None else None
        )
        self.segmenter = Segmenter(taxonomy_words())
        self.segmenter.add_words(self.vocabulary.words())
        self._dict_path = self.index_dir / "dictionary.txt"
        meta_path = self.index_dir / "engine.json"
        try:
            old_version = json.loads(meta_path.read_text()).get("schema_version") if meta_path.exists() else None
        except ValueError:
            old_version = None
        if old_version is not None and old_version != SCHEMA_VERSION:
            self._dict_path.unlink(missing_ok=True)  # learned under other rules; the caller's words come back below
        if self._dict_path.exists():
            self.segmenter.add_words(self._dict_path.read_text(encoding="utf-8").split("\n"))
        self._remember_words(dictionary_words)
        self.schema = self._build_schema()
        self.needs_rebuild = False
        self._index = self._open_index()
        self.model = SemanticModel.load(self.index_dir)
        self.cooccurrence = _load_cooccurrence(self.index_dir)
        self._apply_model_options()

    # ----------------------------------------------------------------- index plumbing
    @staticmethod
    def _build_schema() -> tantivy.Schema:
        sb = SchemaBuilder()
        for name in ("id", "kind", "field"):
            sb.add_text_field(name, stored=True, tokenizer_name="raw", index_option="basic")
        for name in TEXT_FIELDS:
            sb.add_text_field(name, stored=True, tokenizer_name=_ANALYZER, index_option="freq")
        # title + keywords + text as one field: one BM25 over the whole record (measured better than a sum of
        # per-field BM25s with a title boost, which over-rewards short titles)
        sb.add_text_field(_ALL, stored=False, tokenizer_name=_ANALYZER, index_option="freq")
        # the text as precise-mode tokens, for tantivy's snippet generator (never scored)
        sb.add_text_field(_VIEW, stored=True, tokenizer_name=_ANALYZER, index_option="basic")
        sb.add_bytes_field("meta", stored=True)
        return sb.build()

    def _tantivy_dir(self) -> Path:
        return self.index_dir / "tantivy"

    def _open_index(self, *, fresh: bool = False) -> tantivy.Index:
        path = self._tantivy_dir()
        meta_path = self.index_dir / "engine.json"
        if path.exists() and not fresh:
            meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
            usable = meta.get("schema_version") == SCHEMA_VERSION and tantivy.Index.exists(str(path))
            if usable:
                try:
                    usable = tantivy.Index.is_compatible(str(path))
                except ValueError:
                    usable = False
            if not usable:
                fresh = True
                self.needs_rebuild = True
        if fresh and path.exists():
            # Moved aside before removal: a thread of the index being replaced may still write a file into it,
            # which makes an in-place rmtree fail ("directory not empty") now and then.
            trash = path.with_name(f"{path.name}.old-{uuid.uuid4().hex}")
            path.rename(trash)
            shutil.rmtree(trash, ignore_errors=True)
        path.mkdir(parents=True, exist_ok=True)
        index = tantivy.Index(self.schema, path=str(path), reuse=not fresh)
        analyzer = (
            TextAnalyzerBuilder(Tokenizer.whitespace())
            .filter(Filter.lowercase())
            .filter(Filter.remove_long(4 * MAX_TOKEN_CHARS))
            .build()
        )
        index.register_tokenizer(_ANALYZER, analyzer)
        meta_path.write_text(json.dumps({"schema_version": SCHEMA_VERSION}))
        return index

    @contextmanager
    def _writer(self) -> Iterator[Any]:
        # One writer at a time: the platform writes from the task worker only, one task after another
        # (techmarket/tasks.py); tantivy itself refuses a second writer on the same index.
        writer = self._index.writer(self.options.writer_heap_bytes, self.options.writer_threads)
        try:
            yield writer
            writer.commit()
        except BaseException:
            writer.rollback()
            raise
        finally:
            writer.wait_merging_threads()
        self._index.reload()

    def _remember_words(self, words: Iterable[str]) -> list[str]:
        added = self.segmenter.add_words(words)
        if added:
            with self._dict_path.open("a", encoding="utf-8") as fh:
                fh.write("".join(w + "\n" for w in added))
        return added

    def _apply_model_options(self) -> None:
        if self.model and self.model.classifier:
            self.model.classifier.temperature = self.options.nb_temperature

    # ----------------------------------------------------------------- documents
    def _doc_tokens(self, doc: MatchDoc) -> dict[str, list[str]]:
        """Indexed tokens per field (search mode: long words and the dictionary words inside them)."""
        keyword_tokens: list[str] = []
        for kw in doc.keywords:
            keyword_tokens.extend(self.segmenter.cut_search(kw))
        cut = self.segmenter.cut_search if self.options.index_search_mode else self.segmenter.cut
        return {
            "title": [t.lower() for t in cut(doc.title)],
            "keywords": [t.lower() for t in keyword_tokens],
            "text": [t.lower() for t in cut(doc.text)],
        }

    def _tantivy_doc(self, doc: MatchDoc) -> tantivy.Document:
        tdoc = tantivy.Document()
        tdoc.add_text("id", doc.id)
        tdoc.add_text("kind", doc.kind)
        if doc.field:
            tdoc.add_text("field", doc.field)
        tokens = self._doc_tokens(doc)
        for name in TEXT_FIELDS:
            tdoc.add_text(name, " ".join(tokens[name]))
        tdoc.add_text(_ALL, " ".join(tokens["title"] + tokens["keywords"] + tokens["text"]))
        tdoc.add_text(_VIEW, " ".join(self.segmenter.cut(doc.text)))
        tdoc.add_bytes("meta", json.dumps({"title": doc.title, "keywords": doc.keywords}, ensure_ascii=False).encode())
        return tdoc

    def add(self, doc: MatchDoc | Mapping[str, Any]) -> None:
        """Add a record (replacing any record with the same id); searchable when this returns."""
        self.add_many([doc])

    def add_many(self, docs: Iterable[MatchDoc | Mapping[str, Any]]) -> int:
        items = [MatchDoc.coerce(d) for d in docs]
        if self.options.learn_keywords:
            self._remember_words(kw for d in items for kw in d.keywords)
        with self._writer() as writer:
            for doc in items:
                writer.delete_documents_by_term("id", doc.id)
                writer.add_document(self._tantivy_doc(doc))
        return len(items)

    def update(self, doc: MatchDoc | Mapping[str, Any]) -> None:
        """Replace an existing record; KeyError if its id is not in the index."""
        doc = MatchDoc.coerce(doc)
        if doc.id not in self:
            raise KeyError(doc.id)
        self.add_many([doc])

    def delete(self, doc_id: str) -> bool:
        """Remove a record; returns whether it was there."""
        existed = str(doc_id) in self
        if existed:
            with self._writer() as writer:
                writer.delete_documents_by_term("id", str(doc_id))
        if self.vectors is not None:
            self.vectors.delete([str(doc_id)])
        return existed

    def __contains__(self, doc_id: object) -> bool:
        query = Query.term_query(self.schema, "id", str(doc_id))
        return self._index.searcher().search(query, 1, count=False).hits != []

    def __len__(self) -> int:
        return self._index.searcher().num_docs

    def rebuild(self, docs: Iterable[MatchDoc | Mapping[str, Any]], *, fit: bool = True) -> int:
        """Replace the whole index with `docs` and (by default) refit the semantic models on them."""
        items = [MatchDoc.coerce(d) for d in docs]
        if self.options.learn_keywords:
            self._remember_words(kw for d in items for kw in d.keywords)
        self._index = self._open_index(fresh=True)
        self.needs_rebuild = False
        with self._writer() as writer:
            for doc in items:
                writer.add_document(self._tantivy_doc(doc))
        if self.vectors is not None:  # vectors of records still there and unchanged are kept (no re-embedding)
            wanted = {d.id: _content_hash(d) for d in items}
            self.vectors.delete([i for i, h in self.vectors.hashes().items() if wanted.get(i) != h])
        if fit:
            self.refit(items)
        return len(items)

    # ----------------------------------------------------------------- dense vectors
    def pending_embeddings(self, docs: Iterable[MatchDoc | Mapping[str, Any]]) -> list[MatchDoc]:
        """The records among `docs` whose vector is missing or was made from other text (or another model)."""
        if self.vectors is None:
            return []
        self.vectors.refresh()
        stored = self.vectors.hashes()
        return [d for d in map(MatchDoc.coerce, docs) if stored.get(d.id) != _content_hash(d)]

    def embed(self, docs: Iterable[MatchDoc | Mapping[str, Any]], *, chunk: int = 16) -> int:
        """Embed `docs` that need it and store their vectors, `chunk` at a time (each chunk is kept as soon as it
        is written, so an interrupted run loses at most one chunk and the next one starts from there)."""
        if self.vectors is None or self.embedder is None:
            return 0
        todo = self.pending_embeddings(docs)
        for start in range(0, len(todo), max(chunk, 1)):
            part = todo[start : start + max(chunk, 1)]
            vectors = self.embedder.passages([passage_text(d.title, d.text, d.keywords) for d in part])
            self.vectors.add([VectorEntry(d.id, d.kind, d.field, _content_hash(d)) for d in part], vectors)
        return len(todo)

    def dense_coverage(self) -> tuple[int, int]:
        """(records with a vector, records in the index)."""
        if self.vectors is None:
            return 0, len(self)
        self.vectors.refresh()
        return len(self.vectors), len(self)

    @property
    def dense_active(self) -> bool:
        """Dense retrieval joins the search: on in the options, an embedder, and the vectors cover the index but
        for a few fresh records (`dense_missing`): while a backfill is under way the search stays lexical, so
        half-embedded collections do not tilt the fusion towards the records embedded first; one fresh record
        in a hundred waiting for its vector does not switch it off."""
        if not (self.options.dense and self.embedder is not None and self.vectors is not None):
            return False
        embedded, total = self.dense_coverage()
        return total > 0 and total - embedded <= int(self.options.dense_missing * total)

    def iter_docs(self) -> Iterator[MatchDoc]:
        """Every stored record (title and keywords as given; text as its segmented tokens joined back)."""
        searcher = self._index.searcher()
        n = searcher.num_docs
        if not n:
            return
        for _score, address in searcher.search(Query.all_query(), n, count=False).hits:
            stored = searcher.doc(address)
            meta = _meta(stored)
            yield MatchDoc(
                id=stored.get_first("id"),
                kind=stored.get_first("kind"),
                title=meta.get("title", ""),
                text=join_tokens((stored.get_first(_VIEW) or "").split(" ")),
                keywords=meta.get("keywords", []),
                field=stored.get_first("field") or "",
            )

    def refit(self, docs: Iterable[MatchDoc | Mapping[str, Any]] | None = None) -> None:
        """Fit the field classifier and LSA vectors on `docs` (default: every record in the index) and save them."""
        items = [MatchDoc.coerce(d) for d in docs] if docs is not None else list(self.iter_docs())
        token_lists = []
        for doc in items:
            tokens = self._doc_tokens(doc)
            token_lists.append([t for name in TEXT_FIELDS for t in tokens[name]])
        opts = self.options
        model = SemanticModel.fit(
            token_lists, [d.field for d in items], lsa_rank=opts.lsa_rank, nb_alpha=opts.nb_alpha, fit_lsa=opts.lsa
        )  # LSA only when used: at 100k records it is most of the fit time
        cooccurrence = self.fit_cooccurrence(items)
        model.save(self.index_dir)
        self.model = model
        self._apply_model_options()
        self.cooccurrence = cooccurrence

    def fit_cooccurrence(self, docs: Iterable[MatchDoc], *, keep: int = 12) -> dict[str, list[tuple[str, float]]]:
        """Keyword → the keywords that co-occur with it in records (count ≥ keyword_expansion_min_count), scored
        by count / sqrt(freq(other)) so ubiquitous keywords do not dominate; saved as keywords.json."""
        freq: Counter[str] = Counter()
        pairs: dict[str, Counter[str]] = {}
        for doc in docs:
            kws = sorted({k.strip().lower() for k in doc.keywords if k and k.strip()})
            freq.update(kws)
            for a in kws:
                bucket = pairs.setdefault(a, Counter())
                bucket.update(b for b in kws if b != a)
        minimum = self.options.keyword_expansion_min_count
        table = {}
        for kw, others in pairs.items():
            scored = sorted(
                ((b, c / math.sqrt(freq[b])) for b, c in others.items() if c >= minimum),
                key=lambda x: -x[1],
            )[:keep]
            if scored:
                table[kw] = [(b, round(w, 4)) for b, w in scored]
        tmp = self.index_dir / "keywords.tmp.json"
        tmp.write_text(json.dumps(table, ensure_ascii=False))
        tmp.replace(self.index_dir / "keywords.json")
        self.cooccurrence = table
        return table

    # ----------------------------------------------------------------- querying
    def _doc_freq(self, searcher: tantivy.Searcher, term: str) -> int:
        return searcher.doc_freq(_ALL, term)

    def _plan(self, searcher: tantivy.Searcher, query_text: str) -> _QueryPlan:
        opts = self.options
        keep = frozenset() if opts.demand_stopwords else DEMAND_STOPWORDS
        counts = Counter(self.segmenter.terms(query_text, search_mode=opts.query_search_mode, keep=keep))
        if len(counts) > opts.max_query_terms:
            n = max(searcher.num_docs, 1)
            ranked = sorted(
                counts.items(),
                key=lambda kv: -(1 + math.log(kv[1])) * math.log(1 + n / (1 + self._doc_freq(searcher, kv[0]))),
            )
            counts = Counter(dict(ranked[: opts.max_query_terms]))
        weights = {t: 1.0 + math.log(c) for t, c in counts.items()}
        if opts.subterm_weight != 1.0:
            for t in weights:
                if any(t != u and t in u for u in weights):
                    weights[t] *= opts.subterm_weight
        if opts.generic_weight != 1.0:
            for t in weights:
                if t in GENERIC_TERMS:
                    weights[t] *= opts.generic_weight
        origin = dict.fromkeys(weights, "query")
        vocab: dict[str, list[str]] = {}
        if opts.vocabulary_expansion and self.vocabulary.entries:
            vocab = self.vocabulary.find(query_text, reverse=opts.vocabulary_reverse)
            for technical in vocab.values():
                for phrase in technical:
                    for term in self.segmenter.terms(phrase, search_mode=False):
                        if term not in weights:
                            weights[term] = opts.vocabulary_weight
                            origin[term] = "vocabulary"
        # a piece cut from inside a longer word is no reason to show (化处 of 生化处理), unless the demand
        # also writes it as a word of its own (科学 beside 中国科学院)
        own_words = set(self.segmenter.terms(query_text, search_mode=False, keep=keep))
        fragments = frozenset(
            t
            for t in counts
            if t not in own_words and any(t in u and not (u.startswith(t) or u.endswith(t)) for u in counts)
        )
        plan = _QueryPlan(weights, origin, vocab, fragments=fragments)
        if opts.keyword_expansion and self.cooccurrence:
            self._expand_keywords(plan)
        return plan

    def _expand_keywords(self, plan: _QueryPlan) -> None:
        """Add the keywords that co-occur with the query's keywords (their weight shares keyword_expansion_weight
        of the query weight, like RM3's λ)."""
        opts = self.options
        query_terms = [t for t, o in plan.origin.items() if o == "query"]
        scores: Counter[str] = Counter()
        for term in query_terms:
            for other, w in self.cooccurrence.get(term, ()):
                scores[other] += w
        if not scores:
            return
        total = sum(plan.weights[t] for t in query_terms) or 1.0
        best = [(t, w) for t, w in scores.most_common() if t not in plan.weights][: opts.keyword_expansion_terms]
        norm = sum(w for _, w in best) or 1.0
        lam = opts.keyword_expansion_weight
        for phrase, w in best:
            for term in self.segmenter.terms(phrase, search_mode=False) or [phrase]:
                if term not in plan.weights:
                    plan.weights[term] = lam * total * w / norm / max(1 - lam, 1e-6)
                    plan.origin[term] = "keywords"
                    plan.keyword_terms.append(term)

    def _lexical(self, weights: Mapping[str, float]) -> Query | None:
        opts = self.options
        boosts = {
            _ALL: opts.all_boost,
            "title": opts.title_boost,
            "keywords": opts.keywords_boost,
            "text": opts.text_boost,
        }
        clauses = []
        for term, weight in weights.items():
            if weight <= 0:
                continue
            for name, boost in boosts.items():
                if boost > 0:
                    q = Query.term_query(self.schema, name, term, index_option="freq")
                    clauses.append((Occur.Should, Query.boost_query(q, weight * boost)))
        return Query.boolean_query(clauses) if clauses else None

    def _filtered(self, query: Query, kind: str | None, field: str | None, extra: Sequence = ()) -> Query:
        clauses = [(Occur.Must, query), *extra]
        if kind:
            clauses.append((Occur.Must, Query.const_score_query(Query.term_query(self.schema, "kind", kind), 0.0)))
        if field:
            clauses.append((Occur.Must, Query.const_score_query(Query.term_query(self.schema, "field", field), 0.0)))
        return Query.boolean_query(clauses) if len(clauses) > 1 else query

    def _expand(self, searcher: tantivy.Searcher, plan: _QueryPlan, first_hits: list) -> None:
        opts = self.options
        model = self.model
        total = sum(w for t, w in plan.weights.items() if plan.origin[t] == "query") or 1.0
        n_query = sum(1 for o in plan.origin.values() if o == "query")
        short = not opts.prf_max_query_terms or n_query <= opts.prf_max_query_terms
        if opts.prf and first_hits and short:
            feedback = []
            for score, address in first_hits[: opts.prf_docs]:
                stored = searcher.doc(address)
                tokens = []
                for name in ("title", "text"):
                    tokens.extend((stored.get_first(name) or "").lower().split(" "))
                feedback.append((score, tokens))
            terms = rm3_terms(
                feedback,
                lambda t: self._doc_freq(searcher, t),
                max(searcher.num_docs, 1),
                exclude=set(plan.weights),
                n_terms=opts.prf_terms,
            )
            for term, w in terms:
                plan.weights[term] = opts.prf_weight * total * w / max(1 - opts.prf_weight, 1e-6)
                plan.origin[term] = "prf"
                plan.prf_terms.append(term)
        if opts.lsa and model and model.lsa:
            ids, ws = [], []
            for term, w in plan.weights.items():
                if plan.origin[term] in ("query", "vocabulary") and term in model.space.index:
                    i = model.space.index[term]
                    ids.append(i)
                    ws.append(w * float(model.space.idf[i]))
            near = model.lsa.nearest(ids, ws, n=opts.lsa_terms, min_similarity=opts.lsa_min_similarity)
            near = [(model.space.terms[i], sim) for i, sim in near if model.space.terms[i] not in plan.weights]
            norm = sum(sim for _, sim in near) or 1.0
            for term, sim in near:  # like RM3: the LSA terms share λ of the query weight
                plan.weights[term] = opts.lsa_weight * total * sim / norm / max(1 - opts.lsa_weight, 1e-6)
                plan.origin[term] = "lsa"
                plan.lsa_terms.append(term)

    def _query_fields(self, searcher: tantivy.Searcher, plan: _QueryPlan, first_hits: list) -> list[tuple[str, float]]:
        """The query's likely fields: the classifier's p(field | query) and, with route_feedback, the fields of
        the first-pass records weighted by exp(3·(score − top)/top); mixed by their weights."""
        opts = self.options
        mixed: Counter[str] = Counter()
        if opts.field_boost:
            for name, p in self._classify(plan):
                mixed[name] += p
        if opts.route_feedback:
            top = first_hits[0][0] or 1e-9
            votes: Counter[str] = Counter()
            for score, address in first_hits[: opts.route_docs]:
                # a record without a field still votes (for no field), so it dilutes the others
                votes[searcher.doc(address).get_first("field") or ""] += math.exp((score - top) / top * 3.0)
            norm = sum(votes.values()) or 1.0
            share = opts.route_weight / max(opts.field_boost_weight, 1e-9)
            agreement = max((v for name, v in votes.items() if name), default=0.0) / norm
            for name, v in votes.items():
                if name and agreement >= opts.route_min_agreement:
                    mixed[name] += share * v / norm
        return [(name, p) for name, p in mixed.most_common(max(opts.field_top, 1) + 2)]

    def _classify(self, plan: _QueryPlan) -> list[tuple[str, float]]:
        model = self.model
        if not (model and model.classifier):
            return []
        ids, ws = [], []
        for term, w in plan.weights.items():
            if plan.origin[term] in ("query", "vocabulary") and term in model.space.index:
                ids.append(model.space.index[term])
                ws.append(w)
        return model.classifier.predict(ids, ws)[: max(self.options.field_top, 1)]

    def search(
        self,
        query_text: str,
        k: int = 10,
        kind: str | None = None,
        field: str | None = None,
        *,
        explain: bool = True,
        exclude_ids: Iterable[str] = (),
        query_field: str | None = None,
    ) -> list[Match]:
        """Top-k records for a free-text query. `kind` and `field` filter; `explain=False` skips the explanations;
        `query_field` is the field of the record the query comes from (a demand's own field): a result in the same
        field gets `field_match`."""
        if kind is not None and kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        if not isinstance(query_text, str) or k <= 0:
            return []
        k = min(int(k), 1000)
        opts = self.options
        exclude = set(exclude_ids)
        searcher = self._index.searcher()
        if searcher.num_docs == 0:
            return []
        plan = self._plan(searcher, query_text)
        base = self._lexical(plan.weights)
        if base is None:
            return []
        dense = self.dense_active
        need_first = opts.prf or opts.route_feedback or (opts.field_boost and self.model and self.model.classifier)
        # excluded records are kept out of every stage: a query's own record in the first pass would pick the
        # feedback terms and vote for its own field in routing (the leak that made DISC look like 0.94)
        excluded = [(Occur.MustNot, Query.term_query(self.schema, "id", str(doc_id))) for doc_id in exclude]
        first_hits = []
        if need_first:
            limit = max(opts.prf_docs if opts.prf else 1, opts.route_docs if opts.route_feedback else 1, 1)
            first_hits = searcher.search(self._filtered(base, kind, field, excluded), limit, count=False).hits
            if not first_hits:
                return []
        self._expand(searcher, plan, first_hits)
        lexical = self._lexical(plan.weights) if (plan.prf_terms or plan.lsa_terms) else base
        boost_clauses = []
        if first_hits and not field and (opts.field_boost or opts.route_feedback):
            plan.query_fields = self._query_fields(searcher, plan, first_hits)
            top_score = first_hits[0][0]
            for name, p in plan.query_fields:
                if p >= opts.field_min_probability:
                    q = Query.const_score_query(
                        Query.term_query(self.schema, "field", name),
                        min(opts.field_boost_weight * p, opts.route_cap) * top_score,
                    )
                    boost_clauses.append((Occur.Should, q))
        final = self._filtered(lexical, kind, field, [*boost_clauses, *excluded])
        pool = max(k, opts.dense_depth) if dense else k
        hits = searcher.search(final, pool, count=False).hits
        # `weak` reads the lexical score (its threshold was measured on it), kept before fusion replaces the scores
        lexical_scores = {_address_key(address): score for score, address in hits}
        fused: dict[tuple[int, int], tuple[int | None, int | None, float | None]] = {}
        if dense:  # fused on document addresses: only the k records shown are read from the store
            # Embedded here, in the request's own thread: a web process starts no thread (tests/core/
            # test_import_pipeline.py). Overlapping it with the lexical stage in a thread saved its ~10 ms on a free
            # second core only.
            query_vector = self.embedder.query(self._dense_text(query_text, plan))
            hits, fused = self._fuse(searcher, query_vector, hits, k, kind, field, exclude)
        results = [(score, address, searcher.doc(address)) for score, address in hits[:k]]
        snippets = self._snippet_generator(searcher, plan) if explain else None
        own_field = query_field or field or None  # the badge compares with the demand's own field, not a guess
        boosted = {
            name: min(opts.field_boost_weight * p, opts.route_cap) * first_hits[0][0]
            for name, p in plan.query_fields
            if p >= opts.field_min_probability
        }
        matches = []
        for score, address, stored in results:
            meta = _meta(stored)
            doc_field = stored.get_first("field") or ""
            match = Match(
                id=stored.get_first("id"),
                kind=stored.get_first("kind"),
                title=meta.get("title", ""),
                field=doc_field,
                score=float(score),
                matched_terms=[],
                weak=lexical_scores.get(_address_key(address), 0.0) < opts.weak_score,
            )
            if explain:
                match.explanation = self._explain(stored, plan, snippets, doc_field, own_field, boosted)
                if _address_key(address) in fused:
                    (
                        match.explanation.lexical_rank,
                        match.explanation.dense_rank,
                        match.explanation.dense_similarity,
                    ) = fused[_address_key(address)]
                match.matched_terms = match.explanation.matched_terms
            matches.append(match)
        return matches

    def _dense_text(self, query_text: str, plan: _QueryPlan) -> str:
        """What the dense stage embeds: the query's start and, with `dense_query_vocabulary`, the technical terms
        the vocabulary gives for its lay words (those not in it already)."""
        text = query_text[: self.options.dense_query_chars]
        if self.options.dense_query_vocabulary and plan.vocabulary:
            extra = list(dict.fromkeys(t for terms in plan.vocabulary.values() for t in terms if t not in text))
            if extra:
                text = f"{text}（{'、'.join(extra)}）"
        return text

    def _fuse(
        self,
        searcher: tantivy.Searcher,
        query: Any,
        lexical: list[tuple[float, Any]],
        k: int,
        kind: str | None,
        field: str | None,
        exclude: set[str],
    ) -> tuple[list[tuple[float, Any]], dict[tuple[int, int], tuple[int | None, int | None, float | None]]]:
        """RRF of the lexical top (score, address) and the dense top (same filters and exclusions); the fused score
        replaces BM25's. Returns the fused top k as (score, address) and, per address key, (lexical rank, dense
        rank, cosine similarity). No stored document is read here: the dense ids are turned into addresses by one
        query (each id's clause scores its own rank), and only the k shown are read afterwards."""
        opts = self.options
        nearest = self.vectors.search(query, opts.dense_depth, kind=kind, field=field, exclude_ids=exclude)
        addresses = {_address_key(address): address for _, address in lexical}
        dense_keys: list[tuple[int, int]] = []
        similarity: dict[tuple[int, int], float] = {}
        if nearest:
            by_rank = Query.boolean_query(
                [
                    (Occur.Should, Query.const_score_query(Query.term_query(self.schema, "id", doc_id), float(rank)))
                    for rank, (doc_id, _) in enumerate(nearest, 1)
                ]
            )
            located = sorted(
                (
                    (round(score), address)
                    for score, address in searcher.search(by_rank, len(nearest), count=False).hits
                ),
                key=lambda pair: pair[0],
            )
            for rank, address in located:  # a vector whose record left the index is not found: skipped
                key = _address_key(address)
                addresses.setdefault(key, address)
                dense_keys.append(key)
                similarity[key] = nearest[rank - 1][1]
        lexical_keys = [_address_key(address) for _, address in lexical]
        lexical_rank = {key: i for i, key in enumerate(lexical_keys, 1)}
        dense_rank = {key: i for i, key in enumerate(dense_keys, 1)}
        out: list[tuple[float, Any]] = []
        info: dict[tuple[int, int], tuple[int | None, int | None, float | None]] = {}
        for key, score in reciprocal_rank_fusion([lexical_keys, dense_keys], k=opts.rrf_k)[:k]:
            out.append((score, addresses[key]))
            info[key] = (lexical_rank.get(key), dense_rank.get(key), similarity.get(key))
        return out, info

    def search_like(self, doc_id: str, k: int = 10, kind: str | None = None, **kwargs: Any) -> list[Match]:
        """Records matching a stored record (e.g. an achievement → demands with kind="demand"), itself excluded."""
        searcher = self._index.searcher()
        hits = searcher.search(Query.term_query(self.schema, "id", str(doc_id)), 1, count=False).hits
        if not hits:
            raise KeyError(doc_id)
        stored = searcher.doc(hits[0][1])
        meta = _meta(stored)
        text = " ".join(meta.get("keywords", [])) + "\n" + _stored_text(stored)
        kwargs.setdefault("query_field", stored.get_first("field") or None)
        return self.search(text, k=k, kind=kind, exclude_ids=[str(doc_id)], **kwargs)

    # ----------------------------------------------------------------- explanations
    def _snippet_generator(self, searcher: tantivy.Searcher, plan: _QueryPlan) -> Any:
        clauses = [
            (Occur.Should, Query.term_query(self.schema, _VIEW, term, index_option="basic")) for term in plan.weights
        ]
        if not clauses:
            return None
        generator = SnippetGenerator.create(searcher, Query.boolean_query(clauses), self.schema, _VIEW)
        # the stored text has a space between tokens: allow for them in the window
        generator.set_max_num_chars(int(self.options.snippet_chars * 1.6))
        return generator

    def _explain(
        self,
        stored: Any,
        plan: _QueryPlan,
        snippets: Any,
        doc_field: str,
        own_field: str | None,
        boosted: Mapping[str, float],
    ) -> Explanation:
        field_sets = {name: set((stored.get_first(name) or "").split(" ")) for name in TEXT_FIELDS}
        field_terms = {
            name: [
                t
                for t in _maximal([t for t in plan.weights if t in terms])
                if self.segmenter.explains(t) and t not in plan.fragments
            ]
            for name, terms in field_sets.items()
        }
        matched = _maximal([t for t in plan.weights if any(t in terms for terms in field_sets.values())])
        # no 很, 度, 单位 among the reasons, nor a piece of two words
        matched = [t for t in matched if self.segmenter.explains(t) and t not in plan.fragments]
        matched.sort(key=lambda t: -plan.weights[t])
        snippet, highlights = self._snippet(stored, snippets)
        return Explanation(
            matched_terms=matched,
            field_terms={name: terms for name, terms in field_terms.items() if terms},
            vocabulary=plan.vocabulary,
            prf_terms=list(plan.prf_terms),
            lsa_terms=list(plan.lsa_terms),
            matched_expansions=[t for t in matched if plan.origin[t] != "query"],
            snippet=snippet,
            highlights=highlights,
            snippet_html=_html(snippet, highlights),
            query_fields=list(plan.query_fields),
            field_match=bool(own_field) and doc_field == own_field,
            field_boost=float(boosted.get(doc_field, 0.0)),
        )

    def _snippet(self, stored: Any, generator: Any) -> tuple[str, list[tuple[int, int]]]:
        """tantivy's snippet over the token string, turned back into readable text with character ranges."""
        joined = stored.get_first(_VIEW) or ""
        limit = self.options.snippet_chars
        fragment, ranges, lead, trail = "", [], "", ""
        if generator is not None and joined:
            snip = generator.snippet_from_doc(stored)
            fragment = snip.fragment()
            raw = fragment.encode("utf-8")
            ranges = [
                (len(raw[: r.start].decode("utf-8", "ignore")), len(raw[: r.end].decode("utf-8", "ignore")))
                for r in snip.highlighted()
            ]
            if fragment:
                where = snip.fragment_range()
                lead = "…" if where.start > 0 else ""
                trail = "…" if where.end < len(joined.encode("utf-8")) else ""
        if not fragment:
            text = join_tokens(joined.split(" ")) if joined else ""
            return (text[:limit] + ("…" if len(text) > limit else "")), []
        # walk the fragment's tokens, rebuilding readable text and mapping the highlighted ones
        out: list[str] = [lead]
        spans: list[tuple[int, int]] = []
        pos, cursor, prev_ascii = len(lead), 0, False
        for tok in fragment.split(" "):
            start, end = cursor, cursor + len(tok)
            cursor = end + 1
            if not tok:
                continue
            cur_ascii = is_ascii_word(tok)
            if prev_ascii and cur_ascii:
                out.append(" ")
                pos += 1
            if any(start < r_end and r_start < end for r_start, r_end in ranges):
                spans.append((pos, pos + len(tok)))
            out.append(tok)
            pos += len(tok)
            prev_ascii = cur_ascii
        return "".join(out) + trail, _merge(spans)


def _load_cooccurrence(directory: Path) -> dict[str, list[tuple[str, float]]]:
    path = directory / "keywords.json"
    if not path.exists():
        return {}
    try:
        return {k: [tuple(x) for x in v] for k, v in json.loads(path.read_text(encoding="utf-8")).items()}
    except (ValueError, AttributeError):
        return {}


def _meta(stored: Any) -> dict[str, Any]:
    """The stored title and keywords (decoded before parsing: json's own bytes sniffing costs as much again)."""
    return json.loads(bytes(stored.get_first("meta") or b"{}").decode("utf-8"))


def _maximal(terms: list[str]) -> list[str]:
    """Drop terms contained in another matched term (search mode matches 锂离子电池 and its parts 锂离子, 电池)."""
    return [t for t in terms if not any(t != u and t in u for u in terms)]


def _address_key(address: Any) -> tuple[int, int]:
    """A tantivy document address as a hashable key (valid within one searcher)."""
    return (address.segment_ord, address.doc)


def _content_hash(doc: MatchDoc) -> str:
    """What a vector was made from (and the kind and field its entry filters on): an edit of these asks for a new
    vector, any other edit does not."""
    made_of = f"{doc.kind}\t{doc.field}\t{passage_text(doc.title, doc.text, doc.keywords)}"
    return hashlib.sha1(made_of.encode("utf-8"), usedforsecurity=False).hexdigest()[:16]


def _stored_text(stored: Any) -> str:
    meta = _meta(stored)
    return meta.get("title", "") + "\n" + join_tokens((stored.get_first(_VIEW) or "").split(" "))


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and merged[-1][1] == start:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _html(text: str, spans: Sequence[tuple[int, int]]) -> str:
    out, pos = [], 0
    for start, end in spans:
        out.append(html.escape(text[pos:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


__all__ = [
    "KINDS",
    "Explanation",
    "Match",
    "MatchDoc",
    "MatchEngine",
    "MatchOptions",
]
