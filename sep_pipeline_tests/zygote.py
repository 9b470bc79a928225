"""Starts `sep-pipeline` commands for the fault tests without paying for a new interpreter each
time: this process imports the command line and the Dagster definitions once, then, for each
request on its stdin, forks a child that runs `sep-pipeline <args>` with the environment given,
its output in a file. The child is a real process running the real entry point, killed with a
real SIGKILL; only the import of the package (~2.5 s) is shared, and nothing else has run in
this process before it forks (no thread, no connection, no cache).

Requests and replies are JSON lines: {"run": [args], "env": {...}, "out": path} -> {"pid": n};
{"poll": pid} -> {"code": n | null}; {"wait": pid} -> {"code": n} (negative: killed by a signal).
"""

from __future__ import annotations

import json
import os
import sys


def _child(args: list[str], env: dict[str, str], out: str) -> None:
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.environ.clear()
    os.environ.update(env)
    sys.argv = ["sep-pipeline", *args]
    code = 1
    try:
        from sep_pipeline.cli import app

        app(args=args, prog_name="sep-pipeline")
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _status(status: int) -> int:
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def main() -> None:
    import sep_pipeline.cli  # noqa: F401 - what every child would import
    import sep_pipeline.definitions  # noqa: F401
    import sep_pipeline.runner  # noqa: F401

    reply = sys.stdout
    print(json.dumps({"ready": os.getpid()}), file=reply, flush=True)
    done: dict[int, int] = {}
    for line in sys.stdin:
        req = json.loads(line)
        if "run" in req:
            pid = os.fork()
            if pid == 0:
                _child(req["run"], req["env"], req["out"])
            answer: dict[str, object] = {"pid": pid}
        else:
            pid = req.get("poll") or req["wait"]
            if pid not in done:
                got, status = os.waitpid(pid, os.WNOHANG if "poll" in req else 0)
                if got:
                    done[pid] = _status(status)
            answer = {"code": done.get(pid)}
        print(json.dumps(answer), file=reply, flush=True)


if __name__ == "__main__":
    main()
