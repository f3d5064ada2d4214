"""Start Ralph LRS 5.1.0 for DrillPad's tests: file backend, HTTP Basic, bound to 127.0.0.1 only.

Run with the Python of tools/lrs/.ralph-venv (Ralph cannot share DrillPad's environment: see
ralph-requirements.txt). Usage: python serve_ralph.py PORT DATA_DIR USER PASSWORD [HOMEPAGE [USERS_JSON]]

USERS_JSON (optional): a file listing more credentials, [{"username", "password", "scopes"}], each with its own
account agent under HOMEPAGE — the production layout of docs/lrs.md (one credential per site, restricted by
authority and by scopes). With it, Ralph also restricts by scopes.

Ralph's file backend writes with operation "create", which refuses every write after the first
to its one statements file; this launcher switches it to "append" before the app starts.
Prints "ready" on stdout when it listens.
"""

import json
import os
import sys
from pathlib import Path


def _exit_with_parent(limit_s: float = 3600.0) -> None:
    """A test server never outlives the test run that started it: it exits when its parent does (a
    killed or timed-out pytest leaves no orphan listening) and after an hour at the most."""
    import threading
    import time

    parent, started = os.getppid(), time.monotonic()

    def watch() -> None:
        while os.getppid() == parent and time.monotonic() - started < limit_s:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def main() -> None:
    _exit_with_parent()
    port, data_dir, user, password = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
    homepage = sys.argv[5] if len(sys.argv) > 5 else "http://127.0.0.1/site"
    data_dir.mkdir(parents=True, exist_ok=True)
    import bcrypt

    auth = [{"agent": {"account": {"homePage": homepage, "name": user}, "objectType": "Agent"},
             "scopes": ["all"], "username": user,
             "hash": bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()}]
    if len(sys.argv) > 6:
        for user_ in json.loads(Path(sys.argv[6]).read_text()):
            auth.append({"agent": {"account": {"homePage": homepage, "name": user_["username"]},
                                   "objectType": "Agent"},
                         "scopes": user_["scopes"], "username": user_["username"],
                         "hash": bcrypt.hashpw(user_["password"].encode(), bcrypt.gensalt(rounds=4)).decode()})
        os.environ["RALPH_LRS_RESTRICT_BY_SCOPES"] = "true"
    (data_dir / "auth.json").write_text(json.dumps(auth))
    os.environ.update({
        "RALPH_APP_DIR": str(data_dir / "app"),
        "RALPH_AUTH_FILE": str(data_dir / "auth.json"),
        "RALPH_RUNSERVER_BACKEND": "fs",
        "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(data_dir / "statements"),
        "RALPH_LRS_RESTRICT_BY_AUTHORITY": "true",
        "RALPH_SENTRY_DSN": "",
    })
    from ralph.backends.data.base import BaseOperationType
    from ralph.backends.data.fs import FSDataBackend

    FSDataBackend.default_operation_type = BaseOperationType.APPEND

    import uvicorn

    config = uvicorn.Config("ralph.api:app", host="127.0.0.1", port=port, log_level="warning", workers=1)
    server = uvicorn.Server(config)
    original = server.startup

    async def startup(sockets=None):
        await original(sockets)
        print("ready", flush=True)

    server.startup = startup
    server.run()


if __name__ == "__main__":
    main()
