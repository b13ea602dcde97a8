"""The store on an object store: `S3FS`, the store.fs interface for ``s3://bucket/prefix``.

Any S3-compatible service. Credentials and region come from the standard AWS
chain (``AWS_ACCESS_KEY_ID``…, ``AWS_PROFILE``, ``~/.aws/credentials`` and
``config``, instance roles); a custom endpoint from ``PLAYLOG_S3_ENDPOINT``,
else the config file's ``s3_endpoint``, else ``AWS_ENDPOINT_URL_S3`` /
``AWS_ENDPOINT_URL``, addressed path-style (``endpoint/bucket/key``).

Two clients, each for what it does best: boto3 for the small requests whose
semantics matter (listing, conditional puts, copies, deletes) and pyarrow's
S3 file system (C++, multipart) for Parquet streams, which DuckDB reads through
fsspec's wrapper of it (`attach`); see docs/scale.md for the measurements.

Object stores have no rename and no flock, so:

- a new file is staged under ``<prefix>/state/staging/…`` (outside every dataset
  prefix: listing a dataset gives exactly its committed files) and published at
  commit by a server-side copy and a delete;
- the writers' lock is a lease object, ``<prefix>/.lock``, created with a
  conditional put (``If-None-Match: *``), renewed by its holder every third of
  `lease_seconds` with ``If-Match`` on its ETag, and released by a delete with
  ``If-Match``. A lease not renewed for `lease_seconds` (its holder was killed)
  is broken by the next run — only that lease, by its ETag;
- before writing its journal (itself created with ``If-None-Match``) a run
  renews its lease once more (`fence`): a run that lost its lease commits nothing.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb

from playlog.errors import LockedError, StoreError
from playlog.store.fs import S3Path
from playlog.store.modes import Modes

LEASE_SECONDS = 30.0
_configured: dict[str, str | None] = {"endpoint": None}
_cache: dict[str | None, S3FS] = {}
_cache_lock = threading.Lock()


def configure(endpoint: str | None) -> None:
    """The config file's ``s3_endpoint`` (the variables take precedence over it)."""
    _configured["endpoint"] = str(endpoint) if endpoint else None


def endpoint() -> str | None:
    return (os.environ.get("PLAYLOG_S3_ENDPOINT") or _configured["endpoint"]
            or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
            or None)


# A store's data files are written once under a name of their own (part-<run>-<n>.parquet)
# and never changed, so what a HEAD request said of one stays true while it exists.
_IMMUTABLE = re.compile(r"/(date|month)=[^/]+/part-[^/]+\.parquet$")
_INFO_CACHE = 200_000  # entries; a store's file count, not its rows


def _reader_fs(arrow: Any) -> Any:
    """The fsspec filesystem DuckDB reads ``s3://`` through: pyarrow's S3, with the
    metadata of data files kept once seen (DuckDB asks for it several times per file
    and query: about 20 HEAD requests per file and report without this)."""
    from fsspec.implementations.arrow import ArrowFSWrapper

    class _S3(ArrowFSWrapper):
        protocol = ("s3", "s3a")

        def __init__(self, fs: Any, **kwargs: Any) -> None:
            super().__init__(fs, **kwargs)
            self._infos: dict[str, dict[str, Any]] = {}
            self._infos_lock = threading.Lock()

        def info(self, path: str, **kwargs: Any) -> dict[str, Any]:
            key = self._strip_protocol(path)
            found = self._infos.get(key)
            if found is not None:
                return dict(found)
            entry = super().info(path, **kwargs)
            if entry.get("type") == "file" and _IMMUTABLE.search("/" + key):
                with self._infos_lock:
                    if len(self._infos) >= _INFO_CACHE:
                        self._infos.clear()
                    self._infos[key] = dict(entry)
            return entry

        def modified(self, path: str) -> Any:
            return self.info(path)["mtime"]

    return _S3(arrow)


def lease_seconds() -> float:
    return float(os.environ.get("PLAYLOG_S3_LEASE", LEASE_SECONDS))


def s3_fs(root: S3Path | None = None) -> S3FS:
    """The (shared) S3FS of the current endpoint."""
    where = endpoint()
    with _cache_lock:
        if where not in _cache:
            _cache[where] = S3FS(where)
        return _cache[where]


def _region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


class S3FS:
    def __init__(self, endpoint_url: str | None) -> None:
        try:
            import boto3
            from botocore.config import Config
            from pyarrow import fs as pafs
        except ImportError as exc:  # pragma: no cover - an install without the s3 extra
            raise StoreError("s3://", f"cannot use an object store: {exc}",
                             hint="pip install 'playlog[s3]'") from None
        style = {"addressing_style": "path"} if endpoint_url else {}
        self.client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url, region_name=_region(),
            config=Config(s3=style, retries={"max_attempts": 8, "mode": "standard"},
                          max_pool_connections=32))
        options: dict[str, Any] = {"region": _region()}
        if endpoint_url:
            scheme, _, host = endpoint_url.partition("://")
            options.update(endpoint_override=host or scheme, scheme=scheme if host else "https")
        self.arrow = pafs.S3FileSystem(**options)
        self._fsspec: Any = None
        self._lease: _Lease | None = None

    # -- reading ---------------------------------------------------------------

    def _head(self, path: S3Path) -> dict | None:
        try:
            return self.client.head_object(Bucket=path.bucket, Key=path.key)
        except self._errors() as exc:
            if _code(exc) in ("404", "NoSuchKey", "NotFound"):
                return None
            raise _os_error(exc, path) from None

    def exists(self, path: S3Path) -> bool:
        return self.is_file(path) or self.is_dir(path)

    def is_file(self, path: S3Path) -> bool:
        return bool(path.key) and self._head(path) is not None

    def is_dir(self, path: S3Path) -> bool:
        found = self._list(path, delimiter=True, limit=1)
        return bool(found[0] or found[1])

    def _list(self, folder: S3Path, *, delimiter: bool, limit: int | None = None):
        """(keys, sub-prefixes) directly (or, without `delimiter`, anywhere) under `folder`."""
        prefix = folder.key + "/" if folder.key else ""
        args: dict[str, Any] = {"Bucket": folder.bucket, "Prefix": prefix}
        if delimiter:
            args["Delimiter"] = "/"
        if limit:
            args["MaxKeys"] = limit
        keys, prefixes = [], []
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(**args):
                keys.extend(o["Key"] for o in page.get("Contents", []))
                prefixes.extend(p["Prefix"] for p in page.get("CommonPrefixes", []))
                if limit:
                    break
        except self._errors() as exc:
            if _code(exc) == "NoSuchBucket":
                return [], []
            raise _os_error(exc, folder) from None
        return keys, prefixes

    def _url(self, bucket: str, key: str) -> str:
        return f"s3://{bucket}/{key}"

    def children(self, folder: S3Path) -> list[str]:
        keys, prefixes = self._list(folder, delimiter=True)
        return [k.rstrip("/").rsplit("/", 1)[-1] for k in (*keys, *prefixes)]

    def parquet_files(self, folder: S3Path) -> list[str]:
        keys, _ = self._list(folder, delimiter=True)
        return sorted(self._url(folder.bucket, k) for k in keys if _committed(k))

    def partition_files(self, folder: S3Path) -> list[str]:
        keys, _ = self._list(folder, delimiter=False)
        depth = folder.key.count("/") + 3 if folder.key else 2
        return [self._url(folder.bucket, k) for k in keys
                if _committed(k) and k.count("/") + 1 == depth]

    def tree_files(self, folder: S3Path) -> list[str]:
        keys, _ = self._list(folder, delimiter=False)
        return sorted(self._url(folder.bucket, k) for k in keys)

    def size(self, path: S3Path) -> int:
        head = self._head(path)
        if head is None:
            raise FileNotFoundError(str(path))
        return int(head["ContentLength"])

    def stamp(self, path: S3Path) -> tuple | None:
        head = self._head(path)
        return None if head is None else (head["ETag"], str(head.get("LastModified")))

    def read_bytes(self, path: S3Path) -> bytes:
        try:
            return self.client.get_object(Bucket=path.bucket, Key=path.key)["Body"].read()
        except self._errors() as exc:
            if _code(exc) in ("404", "NoSuchKey"):
                raise FileNotFoundError(str(path)) from None
            raise _os_error(exc, path) from None

    def open_input(self, path: S3Path) -> Any:
        return self.arrow.open_input_file(f"{path.bucket}/{path.key}")

    # -- writing ---------------------------------------------------------------

    def write_atomic(self, path: S3Path, data: bytes, mode: int = 0) -> None:
        """One put: an object is replaced whole or not at all."""
        self._put(path, data)

    def _put(self, path: S3Path, data: bytes, **conditions: str) -> str:
        try:
            return self.client.put_object(Bucket=path.bucket, Key=path.key, Body=data,
                                          **conditions)["ETag"]
        except self._errors() as exc:
            if _code(exc) in ("PreconditionFailed", "412", "ConditionalRequestConflict"):
                raise _Precondition(str(path)) from None
            raise _os_error(exc, path) from None

    def create_once(self, path: S3Path, data: bytes, modes: Modes | None = None) -> bool:
        try:
            self._put(path, data, IfNoneMatch="*")
        except _Precondition:
            return False
        return True

    def remove(self, path: S3Path) -> None:
        try:
            self.client.delete_object(Bucket=path.bucket, Key=path.key)
        except self._errors() as exc:
            if _code(exc) not in ("404", "NoSuchKey"):
                raise _os_error(exc, path) from None

    def prune(self, folder: S3Path) -> None:
        """Prefixes exist only while objects do."""

    def make_dirs(self, folder: S3Path, modes: Modes | None = None) -> None:
        """Nothing to make."""

    def open_output(self, path: S3Path, modes: Modes | None = None) -> Any:
        return self.arrow.open_output_stream(f"{path.bucket}/{path.key}")

    def durable(self, path: S3Path) -> None:
        """A completed put is durable."""

    def staging_path(self, root: S3Path, final: S3Path) -> S3Path:
        """Outside every dataset prefix: ``<root>/state/staging/<dataset>/date=…/part-…``."""
        return root / "state" / "staging" / final.relative_to(root)

    def leftovers(self, root: S3Path, datasets: tuple[str, ...]) -> list[S3Path]:
        keys, _ = self._list(root / "state", delimiter=False)
        staged = [k for k in keys if "/state/staging/" in "/" + k
                  or k.rsplit("/", 1)[-1].startswith(".")]
        return [S3Path("s3:", root.bucket, *k.split("/")) for k in staged]

    def publish(self, staged: S3Path, final: S3Path) -> None:
        """A server-side copy to the final key, then the staged object goes (again, after
        an interruption: a staged object already gone was published before)."""
        try:
            self.client.copy_object(Bucket=final.bucket, Key=final.key,
                                    CopySource={"Bucket": staged.bucket, "Key": staged.key})
        except self._errors() as exc:
            if _code(exc) in ("404", "NoSuchKey"):
                return
            raise _os_error(exc, final) from None
        self.remove(staged)

    def copy(self, source: S3Path, target: S3Path) -> None:
        self.client.copy_object(Bucket=target.bucket, Key=target.key,
                                CopySource={"Bucket": source.bucket, "Key": source.key})

    # -- the writers' lease ----------------------------------------------------

    @contextmanager
    def exclusive(self, lock: S3Path, wait: float = 0.0, modes: Modes | None = None
                  ) -> Iterator[None]:
        lease = _Lease(self, lock)
        lease.take(wait)
        self._lease = lease
        try:
            yield
        finally:
            self._lease = None
            lease.release()

    def fence(self) -> None:
        """Renew the lease now; StoreError when it was lost (another run broke it)."""
        if self._lease is not None:
            self._lease.renew(strict=True)

    # -- readers ---------------------------------------------------------------

    def attach(self, con: duckdb.DuckDBPyConnection) -> None:
        """Let `con` read ``s3://`` paths (DuckDB's own httpfs is not needed)."""
        if self._fsspec is None:
            self._fsspec = _reader_fs(self.arrow)
        con.register_filesystem(self._fsspec)

    def readable_by_others(self, root: S3Path) -> list[str]:
        """Access to a bucket is its policy's business, not file modes."""
        return []

    def _errors(self) -> type[Exception]:
        return self.client.exceptions.ClientError


class _Precondition(Exception):
    pass


class _Lease:
    """``<prefix>/.lock``: who holds the store, until when (see the module docstring)."""

    def __init__(self, fs: S3FS, path: S3Path) -> None:
        self.fs, self.path = fs, path
        self.owner = uuid.uuid4().hex
        self.etag = ""
        self.lost = False
        self._guard = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _body(self) -> bytes:
        import socket

        return json.dumps({"owner": self.owner, "pid": os.getpid(), "host": socket.gethostname(),
                           "expires": time.time() + lease_seconds()}).encode()

    def take(self, wait: float) -> None:
        deadline = time.monotonic() + wait
        while True:
            try:
                self.etag = self.fs._put(self.path, self._body(), IfNoneMatch="*")
                break
            except _Precondition:
                holder = self._holder()
                if holder is None:
                    continue  # released meanwhile
                info, etag = holder
                if float(info.get("expires", 0)) < time.time():
                    self._break(etag)
                    continue
                if time.monotonic() >= deadline:
                    where = f"pid {info.get('pid', '?')} on {info.get('host', '?')}"
                    raise LockedError(
                        f"another playlog run ({where}) is using {self.path.parent}",
                        hint="try again later, or pass --wait SECONDS (a killed run's lease "
                        f"ends {lease_seconds():.0f} s after its last renewal)") from None
                time.sleep(0.2)
        self._thread = threading.Thread(target=self._beat, name="playlog-lease", daemon=True)
        self._thread.start()

    def _holder(self) -> tuple[dict, str] | None:
        try:
            got = self.fs.client.get_object(Bucket=self.path.bucket, Key=self.path.key)
        except self.fs._errors() as exc:
            if _code(exc) in ("404", "NoSuchKey"):
                return None
            raise _os_error(exc, self.path) from None
        try:
            info = json.loads(got["Body"].read())
        except ValueError:
            info = {}
        return info, got["ETag"]

    def _break(self, etag: str) -> None:
        """Delete the expired lease — that one only, by its ETag."""
        try:
            self.fs.client.delete_object(Bucket=self.path.bucket, Key=self.path.key, IfMatch=etag)
        except self.fs._errors():
            pass  # renewed or broken by someone else meanwhile: look again

    def _beat(self) -> None:
        while not self._stop.wait(lease_seconds() / 3):
            self.renew(strict=False)

    def renew(self, strict: bool) -> None:
        with self._guard:
            if not self.lost:
                try:
                    self.etag = self.fs._put(self.path, self._body(), IfMatch=self.etag)
                except _Precondition:
                    self.lost = True
                except OSError:
                    if strict:
                        raise
                    return  # a network hiccup: the next beat tries again
        if self.lost and strict:
            raise StoreError(str(self.path), "this run lost its lease on the store (it was "
                             "paused longer than the lease and another run took over)",
                             hint="nothing of this run was committed; run it again")

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.lost:
            return
        try:
            self.fs.client.delete_object(Bucket=self.path.bucket, Key=self.path.key,
                                         IfMatch=self.etag)
        except self.fs._errors():
            pass  # already broken: nothing of ours is left


def _committed(key: str) -> bool:
    name = key.rsplit("/", 1)[-1]
    return name.endswith(".parquet") and not name.startswith(".")


def _code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


def _os_error(exc: Exception, path: S3Path) -> OSError:
    return OSError(f"{path}: {_code(exc) or exc}")
