"""What the pack keeps while ComfyUI runs, in one object made when the pack loads (__init__.py) and put
on ComfyUI's server by install(): the money decisions of running prompts, the prompt check's rules, the
worker threads of remote jobs, the job duration histories, the spacing of billable submissions and the
locks that keep two jobs from uploading the same image. A
test makes a fresh one; nothing of this lives at module level."""
from __future__ import annotations

import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Sequence

from ..client.cache_usage import CacheUsage
from ..client.durations import DurationHistories
from ..client.keyed_locks import KeyedLocks
from ..client.waiting import SubmissionRateLimiter
from .prompt_check import WidgetRules, check_prompt_values
from .receipts import ReceiptMemory

# A route of the pack: when the server has it, a copy of the pack under another folder name installed.
ROUTES_MARK = "/segmind-flux/config"
# Remote jobs mostly wait on the network: asyncio's default pool (cores + 4 threads) would queue them.
REMOTE_JOB_THREADS = 32


class PackRuntime:
    def __init__(self):
        self._budgets = None
        self.widget_rules: dict[str, WidgetRules] = {}
        self.durations = DurationHistories()
        self.submissions = SubmissionRateLimiter()
        self.cache_usage = CacheUsage()
        self.upload_locks = KeyedLocks()  # per content hash: the same pixels are uploaded once
        self.receipts = ReceiptMemory()  # for the images saved from outputs ComfyUI reuses
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    @property
    def budgets(self):
        """The money decisions of running prompts (money/budget.py; it needs `requests`, as the remote
        nodes do: made with the first of them)."""
        if self._budgets is None:
            from ..money.budget import PromptBudgets

            self._budgets = PromptBudgets()
        return self._budgets

    def job_pool(self) -> ThreadPoolExecutor:
        """The worker threads of remote jobs, started with the first job."""
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=REMOTE_JOB_THREADS, thread_name_prefix="segmind-job")
            return self._pool

    def watch(self, rules: Sequence[WidgetRules]) -> None:
        """Puts these nodes under the prompt check."""
        self.widget_rules.update({rule.node_id: rule for rule in rules})

    def check_prompt(self, json_data):
        """ComfyUI's on-prompt hook: refuses bad widget values before ComfyUI converts them, and gives a
        Segmind prompt the receipts for its saved images (nodes/receipts.py)."""
        return self.receipts.prefill(check_prompt_values(json_data, self.widget_rules))

    def install(self, server=None) -> bool:
        """Adds the prompt hook and the pack's routes to ComfyUI's server (the running one by default:
        its `server` module is loaded before any custom node). False outside ComfyUI, or when a copy of
        the pack under another folder name already installed them."""
        server = server or getattr(getattr(sys.modules.get("server"), "PromptServer", None), "instance", None)
        if server is None or any(getattr(route, "path", None) == ROUTES_MARK for route in server.routes):
            return False
        server.add_on_prompt_handler(self.check_prompt)
        try:
            from ..routes.server import register_routes
        except ImportError:  # a missing dependency: its nodes are disabled, and said so, by collect_nodes
            return True
        register_routes(server)
        return True
