"""The dense retriever's vectors: float32 rows beside the tantivy index, keyed by record id, scanned exactly.

Layout of `directory` (the engine uses `index_dir / "vectors"`):
- `meta.json`: the model id (name and package version), the dimension and a generation number;
- `rows.f32`: the vectors, appended row after row (raw little-endian float32, `dim` values each);
- `rows.log`: one line per row, in the same order: `+<TAB>id<TAB>kind<TAB>field<TAB>content hash`, or
  `-<TAB>id` for a deletion (a deletion has no row).

Append-only, so a write is cheap at any size and a crash loses at most the row being written: on opening, a
half-written tail (a row without its line, a line without its row) is ignored, and the writer cuts it off. The
latest line for an id wins. Readers in other processes notice new lines by the log's size and read only the tail
(`refresh`); `compact` rewrites both files (dead rows dropped) under a new generation, which readers reload.
A different model id (another model or package version) empties the store, so every record is embedded again.
The search reads every row. Up to `exact_below` rows it is an exact scan (one matrix-vector product with numpy's
einsum, single-threaded). Above that, a full float32 pass costs more than the rest of a query (100k × 384 float32 is
154 MB read per query: ~24 ms on the 2-core host, bench/matching.py `matching_dense_scan`), so every row also keeps a
384-bit sign code of its vector minus the rows' mean (48 bytes, 4.8 MB at 100k, in memory only, rebuilt from the
rows whenever the row count has doubled since the last centring): the scan ranks all rows by Hamming distance of the
codes (XOR and popcount over 6 words a row), and the `rescore` nearest by code are scored exactly in float32, best
first. The cosine similarities returned are exact; only which rows reach the exact stage is approximate (the bench
reports the overlap with the exact top 100 and the nDCG of both). No ANN graph, nothing to train or tune at run time.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_GROW = 1.5
EXACT_BELOW = 20_000  # rows up to which the scan is exact float32 (a few ms); above it, sign codes then rescoring
RESCORE = 1_000  # rows scored exactly after the sign-code pass (at least 10 × the rows asked for)


@dataclass(frozen=True)
class VectorEntry:
    id: str
    kind: str
    field: str
    content_hash: str


class VectorStore:
    """Vectors by record id, persisted append-only under `directory`; `model_id` and `dim` fix what they are."""

    def __init__(self, directory: str | Path, model_id: str, dim: int) -> None:
        self.directory = Path(directory)
        self.model_id = model_id
        self.dim = int(dim)
        self._lock = threading.RLock()
        self.exact_below = EXACT_BELOW
        self.rescore = RESCORE
        self.directory.mkdir(parents=True, exist_ok=True)
        meta = self._read_meta()
        if meta is None or meta.get("model_id") != model_id or int(meta.get("dim", 0)) != self.dim:
            self._reset(generation=int(meta.get("generation", 0)) + 1 if meta else 1)
        self._load()

    # ---------------------------------------------------------------- files
    @property
    def _rows_path(self) -> Path:
        return self.directory / "rows.f32"

    @property
    def _log_path(self) -> Path:
        return self.directory / "rows.log"

    @property
    def _meta_path(self) -> Path:
        return self.directory / "meta.json"

    def _read_meta(self) -> dict | None:
        try:
            return json.loads(self._meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _write_meta(self, generation: int) -> None:
        tmp = self._meta_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"model_id": self.model_id, "dim": self.dim, "generation": generation}))
        os.replace(tmp, self._meta_path)

    def _reset(self, generation: int) -> None:
        for path in (self._rows_path, self._log_path):
            path.write_bytes(b"")
        self._write_meta(generation)

    # ---------------------------------------------------------------- in memory
    def _clear_memory(self) -> None:
        self._matrix = np.zeros((64, self.dim), dtype=np.float32)
        self._alive = np.zeros(64, dtype=bool)
        self._kinds = np.zeros(64, dtype=np.int32)
        self._fields = np.zeros(64, dtype=np.int32)
        self._codes: dict[tuple[str, str], int] = {}
        self._n_rows = 0
        self._row_entry: list[VectorEntry | None] = []  # per row: its entry while it is the id's latest row
        self._row_of: dict[str, int] = {}
        self._log_offset = 0
        self._rows_offset = 0
        self._words = (self.dim + 63) // 64
        # sign codes of (row − centre), one array per 64-bit word (contiguous: XOR and popcount stream over them)
        self._bits = np.zeros((self._words, 64), dtype=np.uint64)
        self._centre: np.ndarray | None = None
        self._centred_rows = 0  # rows when the centre was last computed (re-centred when they double)

    def _load(self) -> None:
        with self._lock:
            self._clear_memory()
            self._generation = int((self._read_meta() or {}).get("generation", 0))
            self._read_tail()

    def _read_tail(self) -> None:
        """Read the lines and rows appended since the last read (only whole lines with whole rows)."""
        row_bytes = 4 * self.dim
        try:
            with self._log_path.open("rb") as fh:
                fh.seek(self._log_offset)
                data = fh.read()
            rows_size = self._rows_path.stat().st_size
        except FileNotFoundError:
            return
        available_rows = (rows_size - self._rows_offset) // row_bytes
        lines = data.split(b"\n")[:-1]  # the last piece has no newline yet: not written in full
        adds = [line for line in lines if line.startswith(b"+\t")]
        take_rows = min(len(adds), available_rows)
        vectors = np.zeros((0, self.dim), dtype=np.float32)
        if take_rows:
            with self._rows_path.open("rb") as fh:
                fh.seek(self._rows_offset)
                raw = fh.read(take_rows * row_bytes)
            vectors = np.frombuffer(raw, dtype="<f4").reshape(take_rows, self.dim)
        used_adds = 0
        consumed = 0
        for line in lines:
            parts = line.decode("utf-8").split("\t")
            if parts[0] == "+":
                if used_adds >= take_rows:
                    break  # its row is not written yet
                self._append_memory(VectorEntry(*parts[1:5]), vectors[used_adds])
                used_adds += 1
            elif parts[0] == "-":
                self._forget(parts[1])
            consumed += len(line) + 1
        self._log_offset += consumed
        self._rows_offset += used_adds * row_bytes

    def _append_memory(self, entry: VectorEntry, vector: np.ndarray) -> None:
        if self._n_rows == len(self._matrix):
            size = max(64, int(len(self._matrix) * _GROW))
            bigger = np.zeros((size, self.dim), dtype=np.float32)
            bigger[: self._n_rows] = self._matrix[: self._n_rows]
            self._matrix = bigger
            for name in ("_alive", "_kinds", "_fields"):
                old = getattr(self, name)
                grown = np.zeros(size, dtype=old.dtype)
                grown[: self._n_rows] = old[: self._n_rows]
                setattr(self, name, grown)
            bits = np.zeros((self._words, size), dtype=np.uint64)
            bits[:, : self._n_rows] = self._bits[:, : self._n_rows]
            self._bits = bits
        self._forget(entry.id)
        row = self._n_rows
        self._matrix[row] = vector
        if self._centre is not None:
            self._bits[:, row] = self._code(vector[None, :])[0]
        self._alive[row] = True
        self._kinds[row] = self._codes.setdefault(("kind", entry.kind), len(self._codes))
        self._fields[row] = self._codes.setdefault(("field", entry.field), len(self._codes))
        self._row_entry.append(entry)
        self._row_of[entry.id] = row
        self._n_rows += 1

    def _forget(self, doc_id: str) -> None:
        row = self._row_of.pop(doc_id, None)
        if row is not None:
            self._row_entry[row] = None
            self._alive[row] = False
            self._matrix[row] = 0.0  # a dead row scores 0 and is skipped by its missing entry

    # ---------------------------------------------------------------- reads
    def refresh(self) -> None:
        """Pick up what another process wrote since (a new generation means a full reload)."""
        with self._lock:
            meta = self._read_meta() or {}
            if int(meta.get("generation", 0)) != self._generation or meta.get("model_id") != self.model_id:
                self._load()
                return
            try:
                size = self._log_path.stat().st_size
            except FileNotFoundError:
                return
            if size != self._log_offset:
                self._read_tail()

    def __len__(self) -> int:
        return len(self._row_of)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._row_of

    def entry(self, doc_id: str) -> VectorEntry | None:
        row = self._row_of.get(doc_id)
        return None if row is None else self._row_entry[row]

    def hashes(self) -> dict[str, str]:
        """Record id → content hash of its stored vector (what the embedding task compares against)."""
        return {i: self._row_entry[r].content_hash for i, r in self._row_of.items()}

    def vector(self, doc_id: str) -> np.ndarray | None:
        row = self._row_of.get(doc_id)
        return None if row is None else self._matrix[row].copy()

    def search(
        self,
        query: np.ndarray,
        n: int,
        *,
        kind: str | None = None,
        field: str | None = None,
        exclude_ids: Iterable[str] = (),
    ) -> list[tuple[str, float]]:
        """The n records nearest to a unit `query` by cosine similarity (exact), best first."""
        with self._lock:
            if not self._row_of or n <= 0:
                return []
            # einsum's own single-threaded loop, not BLAS: numpy's OpenBLAS splits a matrix-vector product over
            # its threads, and on a busy host waking them costs more than the product (bench/matching.py,
            # matching_dense_100k: the scan's p99)
            query = np.asarray(query, dtype=np.float32)
            if self._n_rows > self.exact_below:
                return self._search_coded(query, n, kind, field, set(exclude_ids))
            scores = np.einsum("ij,j->i", self._matrix[: self._n_rows], query)
            entries = self._row_entry
            if kind is not None or field is not None:  # filters as masks: no Python loop over 100k rows
                keep = self._alive[: self._n_rows].copy()
                if kind is not None:
                    keep &= self._kinds[: self._n_rows] == self._codes.get(("kind", kind), -1)
                if field is not None:
                    keep &= self._fields[: self._n_rows] == self._codes.get(("field", field), -1)
                scores = np.where(keep, scores, -np.inf)
            exclude = set(exclude_ids)
            want = n + len(exclude)
            if want < len(scores):
                top = np.argpartition(-scores, want)[: want + 1]
                order = top[np.argsort(-scores[top])]
            else:
                order = np.argsort(-scores)
            out: list[tuple[str, float]] = []
            for row in order:
                entry = entries[row]
                if entry is None or entry.id in exclude or not np.isfinite(scores[row]):
                    continue
                out.append((entry.id, float(scores[row])))
                if len(out) >= n:
                    break
            return out

    # ---------------------------------------------------------------- sign codes
    def _code(self, rows: np.ndarray) -> np.ndarray:
        """(m, dim) float32 → (m, words) uint64: bit i set where row[i] > centre[i]."""
        packed = np.packbits(rows > self._centre, axis=1, bitorder="little")
        padded = np.zeros((len(rows), self._words * 8), dtype=np.uint8)
        padded[:, : packed.shape[1]] = packed
        return padded.view("<u8")

    def _recentre(self) -> None:
        """Centre = mean of the live rows; every row's code recomputed (when the rows have doubled since)."""
        n = self._n_rows
        live = self._matrix[:n][self._alive[:n]]
        self._centre = live.mean(axis=0) if len(live) else np.zeros(self.dim, dtype=np.float32)
        for start in range(0, n, 16_384):
            end = min(n, start + 16_384)
            self._bits[:, start:end] = self._code(self._matrix[start:end]).T
        self._centred_rows = n

    def _search_coded(
        self, query: np.ndarray, n: int, kind: str | None, field: str | None, exclude: set[str]
    ) -> list[tuple[str, float]]:
        """Hamming distance of the sign codes over every row, then the `rescore` nearest scored exactly."""
        rows = self._n_rows
        if self._centre is None or rows >= 2 * self._centred_rows:
            self._recentre()
        code = self._code(query[None, :])[0]
        distance = np.zeros(rows, dtype=np.uint16)
        for word in range(self._words):
            distance += np.bitwise_count(self._bits[word, :rows] ^ code[word])
        keep = self._alive[:rows]
        if kind is not None:
            keep = keep & (self._kinds[:rows] == self._codes.get(("kind", kind), -1))
        if field is not None:
            keep = keep & (self._fields[:rows] == self._codes.get(("field", field), -1))
        distance[~keep] = np.iinfo(np.uint16).max
        want = n + len(exclude)
        pool = min(rows, max(self.rescore, 10 * want))
        candidates = np.argpartition(distance, pool - 1)[:pool] if pool < rows else np.arange(rows)
        candidates = candidates[keep[candidates]]
        scores = self._matrix[candidates] @ query
        order = np.argsort(-scores, kind="stable")
        out: list[tuple[str, float]] = []
        for i in order:
            entry = self._row_entry[candidates[i]]
            if entry is None or entry.id in exclude or not np.isfinite(scores[i]):
                continue
            out.append((entry.id, float(scores[i])))
            if len(out) >= n:
                break
        return out

    # ---------------------------------------------------------------- writes (one writing process)
    def _repair_tail(self) -> None:
        """Cut a half-written tail off both files so appends line up again (after a crash mid-write)."""
        self.refresh()
        with self._log_path.open("rb+") as fh:
            fh.truncate(self._log_offset)
        with self._rows_path.open("rb+") as fh:
            fh.truncate(self._rows_offset)

    def add(self, entries: Sequence[VectorEntry], vectors: np.ndarray) -> None:
        """Store (or replace) the vectors of these records: rows first, then their lines."""
        vectors = np.ascontiguousarray(vectors, dtype="<f4").reshape(len(entries), self.dim)
        if not len(entries):
            return
        for entry in entries:
            if "\t" in entry.id or "\n" in entry.id or "\t" in entry.field or "\n" in entry.field:
                raise ValueError(f"record id and field may not contain tabs or new lines: {entry.id!r}")
        with self._lock:
            self._repair_tail()
            with self._rows_path.open("ab") as fh:
                fh.write(vectors.tobytes())
                fh.flush()
                os.fsync(fh.fileno())
            lines = "".join(f"+\t{e.id}\t{e.kind}\t{e.field}\t{e.content_hash}\n" for e in entries)
            with self._log_path.open("ab") as fh:
                fh.write(lines.encode("utf-8"))
            self._read_tail()

    def delete(self, doc_ids: Iterable[str]) -> int:
        """Remove these records' vectors; returns how many were there."""
        with self._lock:
            present = [i for i in doc_ids if i in self._row_of]
            if present:
                self._repair_tail()
                with self._log_path.open("ab") as fh:
                    fh.write("".join(f"-\t{i}\n" for i in present).encode("utf-8"))
                self._read_tail()
            return len(present)

    def compact(self) -> None:
        """Rewrite the files with the live rows only (a new generation: readers reload)."""
        with self._lock:
            self.refresh()
            live = sorted(self._row_of.items(), key=lambda kv: kv[1])
            rows = np.ascontiguousarray(self._matrix[[r for _, r in live]], dtype="<f4") if live else None
            tmp_rows, tmp_log = self.directory / "rows.f32.tmp", self.directory / "rows.log.tmp"
            tmp_rows.write_bytes(rows.tobytes() if rows is not None else b"")
            tmp_log.write_text(
                "".join(
                    f"+\t{e.id}\t{e.kind}\t{e.field}\t{e.content_hash}\n" for e in (self._row_entry[r] for _, r in live)
                ),
                encoding="utf-8",
            )
            os.replace(tmp_rows, self._rows_path)
            os.replace(tmp_log, self._log_path)
            self._write_meta(self._generation + 1)
            self._load()

    def clear(self) -> None:
        with self._lock:
            self._reset(self._generation + 1)
            self._load()

    @property
    def dead_rows(self) -> int:
        return self._n_rows - len(self._row_of)

    @property
    def nbytes(self) -> int:
        """Bytes of the vectors on disk (rows of replaced or deleted records included until `compact`)."""
        try:
            return self._rows_path.stat().st_size
        except FileNotFoundError:
            return 0
