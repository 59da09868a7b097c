"""A stand-in for the argocd binary: answers /healthz like the real roles, nothing else.

The role comes from ARGOCD_BINARY_NAME, as for the real binary. It serves
HTTP 200 on /healthz at 127.0.0.1:<--metrics-port> (and accepts TCP on
--port for the repo-server). The repo-server also forks a child that outlives
it, as a git or helm child of the real one could, to prove stop() finds such
stragglers. FAKE_ARGOCD_CRASH=<role> makes that role exit at once.
"""

import http.server
import os
import socket
import subprocess
import sys


class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path.startswith("/healthz") else 404)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


def flag(argv: list[str], name: str) -> str:
    prefix = f"--{name}="
    return next(arg[len(prefix) :] for arg in argv if arg.startswith(prefix))


def main(argv: list[str]) -> int:
    role = os.environ["ARGOCD_BINARY_NAME"]
    sockets = []  # kept referenced, so they stay open
    print(f"fake {role} starting: {argv}", flush=True)
    if os.environ.get("FAKE_ARGOCD_CRASH") == role:
        print(f"fatal: {role} cannot start", flush=True)
        return 1
    if role == "argocd-repo-server":
        # Listening is enough: the kernel completes connections up to the backlog.
        sockets.append(socket.create_server(("127.0.0.1", int(flag(argv, "port")))))
        sleeper = [sys.executable, "-c", "import time; time.sleep(600)"]
        subprocess.Popen(sleeper, start_new_session=True)
    server = http.server.HTTPServer(("127.0.0.1", int(flag(argv, "metrics-port"))), Health)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
