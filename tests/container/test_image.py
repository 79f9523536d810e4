"""The Containerfile, built by podman and driven from outside over its published port.

No image registry is reachable here, so the base image is made from Debian packages (debootstrap, then
`podman import`) and passed as BASE; the package index is not reachable inside a build either, so the
wheelhouse is made on the host (`pip wheel '.[sandbox]' -w wheels`) and the build installs from it alone.
Podman keeps its images and containers under a temporary root: nothing is cached between runs, nothing is
left behind. The timings of each step and the image size are printed (`pytest -s`).

Needs root, podman, runc and debootstrap (`.ci/run` installs them); skipped with the reason otherwise.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "container-test-token-0123456789"  # the control API's token, passed as ILETI_CONTROL_TOKEN
CONTAINERS_CONF = """\
[containers]
default_ulimits = []

[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
"""
# What the build context leaves out besides .containerignore's list: big, and no part of the package.
NOT_CONTEXT = shutil.ignore_patterns(
    ".git",
    ".venv",
    "venv",
    "node_modules",
    "__pycache__",
    "*.db*",
    ".*_cache",
    ".hypothesis",
    "wheels",
    "dist",
    "build",
)

pytestmark = [
    pytest.mark.timeout(900),
    pytest.mark.skipif(
        sys.platform != "linux" or os.geteuid() != 0,
        reason="debootstrap and podman with runc need root on Linux (.ci/run runs as root)",
    ),
    pytest.mark.skipif(
        not all(shutil.which(tool) for tool in ("podman", "runc", "debootstrap")),
        reason="podman, runc or debootstrap is not installed (bash .ci/run installs them)",
    ),
]


@dataclass
class Podman:
    """`podman` with its own storage under `base` and the containers.conf these machines need."""

    base: Path
    timings: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        (self.base / "containers.conf").write_text(CONTAINERS_CONF, encoding="utf-8")

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "CONTAINERS_CONF": str(self.base / "containers.conf")}

    def argv(self, *args: str) -> list[str]:
        return ["podman", "--root", str(self.base / "storage"), "--runroot", str(self.base / "run"), *args]

    def __call__(
        self, *args: str, check: bool = True, timeout: float = 300, stdin: bytes | None = None
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self.argv(*args),
            env=self.env,
            capture_output=True,
            timeout=timeout,
            input=stdin.decode("latin-1") if stdin is not None else None,
            text=True,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"podman {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
        return result

    def timed(self, label: str, *args: str, **options: Any) -> subprocess.CompletedProcess[str]:
        started = time.monotonic()
        try:
            return self(*args, **options)
        finally:
            self.timings[label] = time.monotonic() - started


def _run(argv: list[str], **options: Any) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, check=False, **options)
    if result.returncode != 0:
        raise AssertionError(f"{argv[0]} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")


@pytest.fixture(scope="module")
def podman(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Podman]:
    runner = Podman(tmp_path_factory.mktemp("podman"))
    try:
        yield runner
    finally:
        runner("rm", "--all", "--force", "--time", "0", check=False)
        runner("system", "reset", "--force", check=False)
        shutil.rmtree(runner.base, ignore_errors=True)
        timings = ", ".join(f"{label} {seconds:.1f}" for label, seconds in runner.timings.items())
        print(f"\ncontainer test timings (s): {timings}")  # noqa: T201


@pytest.fixture(scope="module")
def image(podman: Podman, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The image built from this checkout on a Debian base, from a host-built wheelhouse."""
    work = tmp_path_factory.mktemp("image")
    try:
        yield _build(podman, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _build(podman: Podman, work: Path) -> str:
    rootfs = work / "rootfs"
    started = time.monotonic()
    _run(
        [
            "debootstrap",
            "--variant=minbase",
            "--include=python3,python3-venv,ca-certificates",
            "bookworm",
            str(rootfs),
        ],
        timeout=600,
    )
    podman.timings["debootstrap"] = time.monotonic() - started
    base_python = subprocess.run(
        ["chroot", str(rootfs), "python3", "-c", "import sys; print(*sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    if tuple(map(int, base_python)) != sys.version_info[:2]:
        pytest.fail(
            f"the Debian base has Python {'.'.join(base_python)}, this host "
            f"{sys.version_info[0]}.{sys.version_info[1]}: the host's wheelhouse would not fit it"
        )
    tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
    started = time.monotonic()
    imported = subprocess.run(
        podman.argv("import", "--quiet", "-", "localhost/ileti-ci-base:bookworm"),
        stdin=tar.stdout,
        env=podman.env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert tar.stdout is not None
    tar.stdout.close()
    assert tar.wait() == 0
    assert imported.returncode == 0, imported.stderr
    podman.timings["import"] = time.monotonic() - started
    shutil.rmtree(rootfs)

    context = work / "context"
    shutil.copytree(ROOT, context, ignore=NOT_CONTEXT)
    started = time.monotonic()
    _run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", ".[sandbox]", "-w", "wheels"],
        cwd=context,
        timeout=600,
    )
    podman.timings["wheelhouse"] = time.monotonic() - started
    podman.timed(
        "build",
        "build",
        "--quiet",
        "--format",
        "docker",
        "--build-arg",
        "BASE=localhost/ileti-ci-base:bookworm",
        "--tag",
        "localhost/ileti:test",
        "--file",
        "Containerfile",
        str(context),
        timeout=600,
    )
    return "localhost/ileti:test"


@dataclass
class Running:
    name: str
    url: str


def _start(podman: Podman, image: str, name: str, port: int, *env: str) -> Running:
    options = [item for variable in env for item in ("--env", variable)]
    podman(
        "run",
        "--detach",
        "--name",
        name,
        "--publish",
        f"127.0.0.1::{port}",
        "--volume",
        "ileti-data:/data",
        *options,
        image,
    )
    host_port = podman("port", name, str(port)).stdout.strip().rsplit(":", 1)[1]
    url = f"http://127.0.0.1:{host_port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return Running(name, url)
        except httpx.TransportError:
            pass
        state = podman("inspect", "--format", "{{.State.Status}}", name).stdout.strip()
        if state != "running" or time.monotonic() > deadline:
            raise AssertionError(f"the container is {state}, not ready:\n{podman('logs', name).stderr}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def server(podman: Podman, image: str) -> Running:
    podman("volume", "create", "ileti-data")
    started = time.monotonic()
    running = _start(podman, image, "ileti-1", 8080, f"ILETI_CONTROL_TOKEN={TOKEN}", "ILETI_SETTLE_DELAY=0.2")
    podman.timings["start until ready"] = time.monotonic() - started
    return running


def _control(server: Running) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)


def _api(server: Running, endpoint: str, account: dict[str, Any], **request: Any) -> dict[str, Any]:
    body = {"request": {"authentication": {"key": account["key"], "hash": account["hash"]}, **request}}
    answer = httpx.post(f"{server.url}/v1/{endpoint}/json", json=body, timeout=10)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()["response"]
    assert result["status"] == {"code": 200, "message": "İşlem başarılı"}
    return result


def test_the_image_runs_ileti_serve_as_a_non_root_user_with_its_store_on_a_volume(
    podman: Podman, image: str
) -> None:
    size = int(podman("image", "inspect", "--format", "{{.Size}}", image).stdout)
    print(f"\nimage size on the debootstrap base: {size / 1e6:.0f} MB")  # noqa: T201
    template = "{{.Config.User}}|{{json .Config.Cmd}}|{{json .Config.Volumes}}|{{json .Config.ExposedPorts}}"
    config = podman("image", "inspect", "--format", template, image).stdout.strip()
    user, cmd, volumes, ports = config.split("|")
    assert user == "ileti"
    assert cmd == '["ileti","serve"]'
    assert "/data" in volumes
    assert "8080/tcp" in ports
    health = podman("image", "inspect", "--format", "{{json .HealthCheck}}", image).stdout
    assert "/readyz" in health


def test_a_send_its_report_and_a_control_call_over_the_published_port(
    podman: Podman, server: Running
) -> None:
    assert podman("exec", server.name, "id", "-u").stdout.strip() == "10001"
    # The control API needs the token passed as ILETI_CONTROL_TOKEN; /readyz stays open for health checks.
    assert httpx.get(f"{server.url}/_sandbox/accounts", timeout=10).status_code == 401
    with _control(server) as control:
        created = control.post(
            "/_sandbox/accounts",
            json={
                "key": "container-account",
                "secret": "container-secret",
                "senders": ["CONTAINER"],
                "balance": {"sms": 100, "amount": 0},
            },
        )
        assert created.status_code == 201, created.text
        account = created.json()
        numbers = ["5301234567", "5301230001"]  # delivered, undelivered (a magic number)
        order = _api(
            server,
            "send-sms",
            account,
            order={
                "sender": "CONTAINER",
                "iys": "0",
                "message": {"text": "Kapsayıcıdan merhaba", "receipents": {"number": numbers}},
            },
        )
        order_id = order["order"]["id"]
        assert control.post("/_sandbox/carrier/settle", json={}).json()["settled"] == 2
        report = _api(server, "get-report", account, order={"id": order_id, "page": 1, "rowCount": 10})
        report = report["order"]
        counts = (report["status"], report["total"], report["delivered"], report["undelivered"])
        assert counts == (114, 2, 1, 1)
        statuses = {m["number"]: m["status"] for m in report["message"]}
        assert statuses == {"+905301234567": 111, "+905301230001": 112}
        [message] = control.get("/_sandbox/messages", params={"to": "5301234567"}).json()["messages"]
        assert message["text"] == "Kapsayıcıdan merhaba"
    assert podman("healthcheck", "run", server.name).returncode == 0  # "healthy": /readyz answered 200


def test_it_stops_within_two_seconds_and_the_volume_keeps_the_store(
    podman: Podman, image: str, server: Running
) -> None:
    with _control(server) as control:
        account = control.get("/_sandbox/accounts/container-account").json()
        messages = control.get("/_sandbox/messages", params={"account": "container-account"}).json()
        [order_id] = {message["order_id"] for message in messages["messages"]}
    started = time.monotonic()
    podman("stop", "--time", "10", server.name)  # SIGTERM, then SIGKILL after 10 s
    stopped_in = time.monotonic() - started
    podman.timings["stop"] = stopped_in
    exit_code = podman("inspect", "--format", "{{.State.ExitCode}}", server.name).stdout.strip()
    assert stopped_in < 2, f"SIGTERM took {stopped_in:.1f} s"
    assert exit_code in {"0", "143"}  # not 137: it was not killed
    assert "Finished server process" in podman("logs", server.name).stderr

    # A new container on the same volume, listening where ILETI_PORT says: the account and its order are kept.
    again = _start(podman, image, "ileti-2", 9090, f"ILETI_CONTROL_TOKEN={TOKEN}", "ILETI_PORT=9090")
    reports = _api(again, "get-report", account, order={"id": str(order_id)})["order"]
    assert (reports["total"], reports["delivered"]) == (2, 1)
    assert podman("healthcheck", "run", again.name).returncode == 0
