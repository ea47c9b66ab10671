"""Technology-market matching engine (plain Python, no Django): demand → achievements and experts, achievement →
demands. See engine.py for the pipeline and bench/matching.py for the measured choices."""

from .corpus import BUNDLED_CSL, load_csl_jsonl
from .embedder import Embedder, EmbedderUnavailable
from .engine import KINDS, Explanation, Match, MatchDoc, MatchEngine, MatchOptions
from .segmenter import Segmenter
from .taxonomy import taxonomy_fields, taxonomy_words
from .vocabulary import Vocabulary, VocabularyEntry
from .vocabulary_seed import default_vocabulary

__all__ = [
    "BUNDLED_CSL",
    "KINDS",
    "Embedder",
    "EmbedderUnavailable",
    "Explanation",
    "Match",
    "MatchDoc",
    "MatchEngine",
    "MatchOptions",
    "Segmenter",
    "Vocabulary",
    "VocabularyEntry",
    "default_vocabulary",
    "load_csl_jsonl",
    "taxonomy_fields",
    "taxonomy_words",
]
