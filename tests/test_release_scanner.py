"""The published files pass what the Comfy Registry's scanner looks for, by construction: no dynamic code,
no processes, no pickle, no bytecode or binaries, nothing obfuscated, no network and no file writes at
import, the API key only ever in a request header. Each check is also run on a planted example, so that
a check that can no longer fail is noticed."""
from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pack_loader import load_pack
from release_archive import release_archive

DYNAMIC_CODE = {"eval", "exec", "compile", "__import__"}
PROCESS_MODULES = {"subprocess", "pty", "multiprocessing", "pexpect"}
PROCESS_CALLS = re.compile(r"^(os\.(system|popen|fork|forkpty|exec\w*|spawn\w*|posix_spawn\w*)"
                           r"|asyncio\.create_subprocess_\w+)$")
PICKLE_MODULES = {"pickle", "cPickle", "_pickle", "dill", "marshal", "shelve", "joblib", "cloudpickle"}
# Calls that unpickle unless told not to: the keyword that makes each safe.
SAFE_LOAD_KEYWORD = {"torch.load": ("weights_only", True), "load_torch_file": ("safe_load", True)}
UNSAFE_LOAD_KEYWORD = {"load": ("allow_pickle", True)}  # numpy.load(..., allow_pickle=True)
# Files that hold code in a form a reader cannot check, or pickles.
BINARY_SUFFIXES = (".pyc", ".pyo", ".pyd", ".so", ".dylib", ".dll", ".exe", ".bin", ".pt", ".pth", ".ckpt",
                   ".pkl", ".pickle", ".npy", ".npz", ".whl", ".egg", ".zip", ".tar", ".gz")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif")
# Media the example workflows load: each must decode as what its name says (checked below).
VIDEO_SUFFIXES = (".mp4",)
MAX_EXAMPLE_CLIP = (512 * 1024, 10.0)  # bytes, seconds
MAX_LINE = 160  # the pack's code keeps to 120; minified or generated code runs far longer
BLOB = re.compile(r"[A-Za-z0-9+/=_-]{120,}")  # base64 or hex without a space: data or hidden code
JS_DYNAMIC_CODE = re.compile(r"\beval\s*\(|\bnew\s+Function\s*\(|\bset(Timeout|Interval)\s*\(\s*[`'\"]|\batob\s*\(")
KEY_NAME = re.compile(r"api_?key", re.IGNORECASE)
URL_BUILDERS = {"urlencode", "quote", "quote_plus", "urljoin", "urlunsplit", "urlunparse"}
KEY_HEADER = "x-api-key"
KEY_FORM_FILE = "web/settings_section.js"


def dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    return ""


def keyword_is(call: ast.Call, name: str, value) -> bool:
    return any(k.arg == name and isinstance(k.value, ast.Constant) and k.value.value is value for k in call.keywords)


def code_problems(source: str) -> list[str]:
    """Dynamic code, processes and pickle loads in one Python file."""
    problems = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for module in modules:
                root = module.split(".")[0]
                if root in PROCESS_MODULES | PICKLE_MODULES:
                    problems.append(f"line {node.lineno}: imports {module}")
        if not isinstance(node, ast.Call):
            continue
        name = dotted(node.func)
        if name in DYNAMIC_CODE or name.startswith("builtins.") and name.split(".")[1] in DYNAMIC_CODE:
            problems.append(f"line {node.lineno}: calls {name}()")
        if PROCESS_CALLS.match(name):
            problems.append(f"line {node.lineno}: starts a process with {name}()")
        for unsafe, (keyword, safe_value) in SAFE_LOAD_KEYWORD.items():
            if (name == unsafe or name.endswith("." + unsafe)) and not keyword_is(node, keyword, safe_value):
                problems.append(f"line {node.lineno}: {name}() without {keyword}={safe_value} unpickles")
        for unsafe, (keyword, bad_value) in UNSAFE_LOAD_KEYWORD.items():
            if name.endswith("." + unsafe) and keyword_is(node, keyword, bad_value):
                problems.append(f"line {node.lineno}: {name}({keyword}={bad_value}) unpickles")
    return problems


def obfuscation_problems(source: str) -> list[str]:
    problems = [f"line {number}: {len(line)} characters long" for number, line in
                enumerate(source.splitlines(), 1) if len(line) > MAX_LINE]
    problems += [f"line {source[:match.start()].count(chr(10)) + 1}: a {len(match.group())}-character blob"
                 for match in BLOB.finditer(source)]
    return problems


def js_problems(source: str, name: str = "") -> list[str]:
    """The Settings dialog's file alone may name the key: it sends a key the user typed to the pack's
    server, write-only (no route ever sends one back: tests/test_editor_money.py); no file calls Segmind."""
    problems = [f"line {source[:m.start()].count(chr(10)) + 1}: {m.group().strip()}"
                for m in JS_DYNAMIC_CODE.finditer(source)]
    if (KEY_NAME.search(source) and name != KEY_FORM_FILE) or KEY_HEADER in source.lower():
        problems.append("the front end mentions the API key: it must never reach the browser")
    return problems + obfuscation_problems(source)


class _KeyUse(ast.NodeVisitor):
    """Finds the key (a name or attribute called api_key, or a local name given its value) put into a
    string, a query string or a URL: anything but a header."""

    def __init__(self):
        self.problems: list[str] = []
        self.tainted: set[str] = set()

    def is_key(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return bool(KEY_NAME.search(node.id)) or node.id in self.tainted
        return isinstance(node, ast.Attribute) and bool(KEY_NAME.search(node.attr))

    def holds_key(self, node: ast.AST) -> bool:
        return any(self.is_key(child) for child in ast.walk(node))

    def visit_FunctionDef(self, node):
        outer, self.tainted = self.tainted, set(self.tainted)
        self.generic_visit(node)
        self.tainted = outer

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Assign(self, node):
        if self.is_key(node.value):
            self.tainted |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        self.generic_visit(node)

    def visit_JoinedStr(self, node):
        for part in node.values:
            if isinstance(part, ast.FormattedValue) and self.is_key(part.value):
                self.problems.append(f"line {node.lineno}: the key is put into an f-string")
        self.generic_visit(node)

    def visit_BinOp(self, node):
        if isinstance(node.op, (ast.Add, ast.Mod)) and (self.is_key(node.left) or self.is_key(node.right)):
            self.problems.append(f"line {node.lineno}: the key is joined into a string")
        self.generic_visit(node)

    def visit_Call(self, node):
        name = dotted(node.func).rsplit(".", 1)[-1]
        arguments = [*node.args, *(k.value for k in node.keywords)]
        if name == "format" and any(self.is_key(a) for a in arguments):
            self.problems.append(f"line {node.lineno}: the key is formatted into a string")
        if name in URL_BUILDERS and any(self.holds_key(a) for a in arguments):
            self.problems.append(f"line {node.lineno}: the key goes into {name}()")
        if any(k.arg == "params" and self.holds_key(k.value) for k in node.keywords):
            self.problems.append(f"line {node.lineno}: the key goes into a query string (params=)")
        self.generic_visit(node)

    def visit_Constant(self, node):
        if isinstance(node.value, str) and re.search(r"[?&](api_?key|key|token)=", node.value, re.IGNORECASE):
            self.problems.append(f"line {node.lineno}: a query string that carries a key")


def key_problems(source: str) -> list[str]:
    finder = _KeyUse()
    finder.visit(ast.parse(source))
    return finder.problems


def sends_key_in_header(source: str) -> bool:
    finder = _KeyUse()
    return any(isinstance(node, ast.Dict) and any(
        isinstance(k, ast.Constant) and str(k.value).lower() == KEY_HEADER and finder.is_key(v)
        for k, v in zip(node.keys, node.values)) for node in ast.walk(ast.parse(source)))


# Paths of Segmind's API: only client/endpoints.py may build them, so one module shows every URL called.
API_PATH = re.compile(r"(^|/)v[12]/|requests/|get-user-credits")


def api_path_problems(source: str) -> list[str]:
    return [f"line {node.lineno}: an API path {node.value!r}" for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and API_PATH.search(node.value)]


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    return release_archive(tmp_path_factory)


def shipped(archive, suffix: str) -> dict[str, str]:
    return {name: (archive.extracted / name).read_text(encoding="utf-8")
            for name in archive.names if name.endswith(suffix)}


def test_no_dynamic_code_processes_or_pickle_loads_in_the_published_python(archive):
    sources = shipped(archive, ".py")
    assert len(sources) > 40  # the whole pack, not an empty package
    problems = {name: code_problems(source) for name, source in sources.items()}
    assert {name: found for name, found in problems.items() if found} == {}


def test_no_bytecode_binaries_or_undeclared_data_are_published(archive):
    assert [name for name in archive.names if name.lower().endswith(BINARY_SUFFIXES)] == []
    for name in archive.names:
        if name.lower().endswith(VIDEO_SUFFIXES):
            assert_small_example_clip(archive.extracted / name)
        elif not name.lower().endswith(IMAGE_SUFFIXES):
            (archive.extracted / name).read_text(encoding="utf-8")  # raises on anything but UTF-8 text


def assert_small_example_clip(path) -> None:
    """A shipped MP4 is an example clip: a few seconds of H.264 (and AAC), whole, and small."""
    import av

    assert path.stat().st_size <= MAX_EXAMPLE_CLIP[0], path
    with av.open(str(path)) as container:
        assert container.format.name.startswith("mov,mp4") and container.duration / 1e6 <= MAX_EXAMPLE_CLIP[1]
        assert {stream.codec_context.name for stream in container.streams} <= {"h264", "aac"}, path
        assert sum(1 for _ in container.decode(video=0)) > 0


def test_nothing_published_is_obfuscated(archive):
    problems = {name: obfuscation_problems(source) for name, source in shipped(archive, ".py").items()}
    problems |= {name: js_problems(source, name) for name, source in shipped(archive, ".js").items()}
    assert {name: found for name, found in problems.items() if found} == {}


def test_the_key_only_ever_travels_in_a_header(archive):
    sources = shipped(archive, ".py")
    problems = {name: key_problems(source) for name, source in sources.items()}
    assert {name: found for name, found in problems.items() if found} == {}
    assert [name for name, source in sources.items() if sends_key_in_header(source)] == ["client/transport.py"]


def test_every_api_url_is_built_in_client_endpoints(archive):
    sources = shipped(archive, ".py")
    problems = {name: api_path_problems(source) for name, source in sources.items()}
    assert {name for name, found in problems.items() if found} == {"client/endpoints.py"}
    assert len(problems["client/endpoints.py"]) == 5  # v1 sync, v2 submit, status, result, balance


def test_every_host_named_in_the_code_is_listed_in_the_readme(archive):
    hosts = {match.group(1) for source in shipped(archive, ".py").values()
             for match in re.finditer(r"https?://([A-Za-z0-9.-]+)", source)}
    readme = (archive.extracted / "README.md").read_text(encoding="utf-8")
    assert hosts and {host for host in hosts if f"`{host}`" not in readme} == set()
    assert "`SEGMIND_BASE_URL`" in readme


IMPORT_UNDER_GUARD = r'''
import builtins, io, json, os, socket, sys, importlib.util
pack_dir, comfy_dir = sys.argv[1], sys.argv[2]
if comfy_dir:  # what ComfyUI has loaded before it loads custom nodes
    sys.path.insert(0, comfy_dir)
    import comfy.cli_args
    comfy.cli_args.args.cpu = True
    import comfy.samplers, folder_paths, node_helpers, latent_preview
events = []


def refuse(what):
    events.append(what)
    raise PermissionError("not at import time: " + what)


real_open, real_os_open, real_connect = builtins.open, os.open, socket.socket.connect


def guarded_open(file, mode="r", *rest, **kw):
    if any(flag in mode for flag in "wax+"):
        refuse(f"open({file!r}, {mode!r})")
    return real_open(file, mode, *rest, **kw)


def guarded_os_open(path, flags, *rest, **kw):
    if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC):
        refuse(f"os.open({path!r})")
    return real_os_open(path, flags, *rest, **kw)


builtins.open = io.open = guarded_open
os.open = guarded_os_open
for name in ("mkdir", "makedirs", "remove", "unlink", "rename", "replace", "rmdir", "symlink", "link"):
    setattr(os, name, lambda *a, _name=name, **k: refuse(f"os.{_name}{a!r}"))
socket.socket.connect = socket.socket.connect_ex = lambda s, address, *a: refuse(f"connect {address!r}")
socket.getaddrinfo = lambda host, *a, **k: refuse(f"getaddrinfo {host!r}")
socket.create_connection = lambda address, *a, **k: refuse(f"create_connection {address!r}")

spec = importlib.util.spec_from_file_location("published_pack", os.path.join(pack_dir, "__init__.py"),
                                              submodule_search_locations=[pack_dir])
pack = importlib.util.module_from_spec(spec)
sys.modules["published_pack"] = pack
spec.loader.exec_module(pack)
if comfy_dir:  # what the editor asks for on every page load
    for node in pack.NODE_CLASS_MAPPINGS.values():
        node.INPUT_TYPES()
print(json.dumps({"nodes": sorted(pack.NODE_CLASS_MAPPINGS), "events": events}))
'''


@pytest.mark.parametrize("inside_comfyui", [True, False], ids=["inside-ComfyUI", "plain-Python"])
def test_the_published_pack_imports_with_no_network_and_no_file_writes(archive, inside_comfyui):
    comfy_dir = os.environ.get("COMFYUI_PATH", "") if inside_comfyui else ""
    if inside_comfyui and not comfy_dir:
        pytest.fail("COMFYUI_PATH is not set: run the tests with `bash scripts/test`.")
    run = subprocess.run([sys.executable, "-c", IMPORT_UNDER_GUARD, str(archive.extracted), comfy_dir],
                         capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["events"] == []
    assert result["nodes"] == sorted(load_pack().NODE_CLASS_MAPPINGS)


# --- each check, on a planted example: none of them may be unable to fail ---

PLANTED = {
    "eval": ("def f(text):\n    return eval(text)\n", code_problems),
    "exec": ("exec('x = 1')\n", code_problems),
    "subprocess": ("import subprocess\n", code_problems),
    "os.system": ("import os\nos.system('ls')\n", code_problems),
    "pickle": ("from pickle import loads\n", code_problems),
    "torch.load": ("import torch\ntorch.load('m.pt')\n", code_problems),
    "load_torch_file": ("import comfy.utils\ncomfy.utils.load_torch_file('m.ckpt')\n", code_problems),
    "numpy allow_pickle": ("import numpy as np\nnp.load('a.npy', allow_pickle=True)\n", code_problems),
    "long line": ("x = 1" + " " * 200 + "\n", obfuscation_problems),
    "base64 blob": (f"PAYLOAD = '{'QUJD' * 40}'\n", obfuscation_problems),
    "js eval": ("const f = (s) => eval(s);\n", js_problems),
    "js Function": ("const f = new Function('return 1');\n", js_problems),
    "js key": ("fetch(url, {headers: {'x-api-key': key}});\n", js_problems),
    "js key name": ("const view = {api_key: saved};\n", js_problems),
    "key in f-string URL": ("def u(s):\n    return f'{s.base_url}/v1?key={s.settings.api_key}'\n", key_problems),
    "key joined": ("def u(base, api_key):\n    return base + api_key\n", key_problems),
    "key alias": ("def u(s):\n    key = s.api_key\n    return '{}/{}'.format(s.url, key)\n", key_problems),
    "key in params": ("def u(session, api_key):\n    session.get('u', params={'key': api_key})\n", key_problems),
    "key urlencode": ("from urllib.parse import urlencode\ndef u(k):\n    return urlencode({'api_key': k.api_key})\n",
                      key_problems),
    "query literal": ("URL = 'https://api.example.com/v1?api_key='\n", key_problems),
    "api path outside endpoints": ("def u(s, slug):\n    return f'{s.base_url}/v2/{slug}'\n", api_path_problems),
}


@pytest.mark.parametrize("case", sorted(PLANTED))
def test_each_check_finds_its_planted_example(case):
    source, check = PLANTED[case]
    assert check(source), case


def test_the_checks_leave_legitimate_code_alone():
    legitimate = ("import base64, torch\nfrom .x import api_key_of\n"
                  "def f(s, model, path):\n    model.eval()\n    re_compile = s.compile('x')\n"
                  "    torch.load(path, weights_only=True)\n    headers = {'x-api-key': s.api_key}\n"
                  "    text = f\"Settings(api_key={'<set>' if s.api_key else None})\"\n"
                  "    return base64.b64decode(s.body), headers, text\n")
    assert code_problems(legitimate) + obfuscation_problems(legitimate) + key_problems(legitimate) == []
    assert sends_key_in_header(legitimate)


def test_the_guarded_import_notices_a_write_and_a_connection(tmp_path):
    pack = tmp_path / "planted_pack"
    pack.mkdir()
    (pack / "__init__.py").write_text(
        "import socket\nopen(__file__ + '.log', 'w')\n"
        "try:\n    socket.create_connection(('example.com', 80))\nexcept PermissionError:\n    pass\n"
        "NODE_CLASS_MAPPINGS = {}\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-c", IMPORT_UNDER_GUARD, str(pack), ""], capture_output=True, text=True)
    assert run.returncode != 0 and "not at import time: open(" in run.stderr
    (pack / "__init__.py").write_text(
        "import socket\ntry:\n    socket.create_connection(('example.com', 80))\nexcept PermissionError:\n"
        "    pass\nNODE_CLASS_MAPPINGS = {}\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-c", IMPORT_UNDER_GUARD, str(pack), ""], capture_output=True, text=True)
    assert json.loads(run.stdout)["events"] == ["create_connection ('example.com', 80)"]
    assert not Path(str(pack / "__init__.py") + ".log").exists()
