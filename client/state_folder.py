"""Which folder holds the pack's state for one API server: the result cache, the spend ledger, the jobs
list and the cost and duration histories. Segmind's own API keeps the folder itself (where earlier
versions kept everything); any other server (a gateway, the offline stand-in, a test server) gets its own
subfolder, so that test runs never count as real spend, never feed real estimates and never fill the
real cache."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import urlsplit

from .config import DEFAULT_BASE_URL

OTHER_SERVERS_FOLDER = "other-servers"
DEFAULT_PORTS = {"http": 80, "https": 443}


def server_identity(base_url: str) -> str:
    """The base URL as one server is named however it is written: lower-case scheme and host, default
    port dropped, no trailing slash."""
    parts = urlsplit(base_url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port if parts.port not in (None, DEFAULT_PORTS.get(scheme)) else None
    except ValueError:  # not a port number: the URL is refused when used; here it only needs a name
        return base_url.strip().lower().rstrip("/")
    netloc = f"[{host}]" if ":" in host else host
    return f"{scheme}://{netloc}{f':{port}' if port else ''}{parts.path.rstrip('/')}"


def is_segmind_api(base_url: str) -> bool:
    return server_identity(base_url) == server_identity(DEFAULT_BASE_URL)


def state_folder(root: Path, base_url: str) -> Path:
    """`root` for Segmind's own API; `root/other-servers/<host_port>-<hash>` for any other server (the
    readable part says which server it is, the hash keeps two paths on one host apart)."""
    if is_segmind_api(base_url):
        return Path(root)
    identity = server_identity(base_url)
    readable = re.sub(r"[^A-Za-z0-9.]+", "_", urlsplit(identity).netloc).strip("_") or "server"
    digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:8]
    return Path(root) / OTHER_SERVERS_FOLDER / f"{readable}-{digest}"
