"""infra/keycloak/start.sh as two test runs at once use it: one downloaded distribution, unpacked once under a
lock, a server folder per port; stopping one run's server leaves the other's answering."""

from __future__ import annotations

import os
import subprocess
import urllib.request
from pathlib import Path

import pytest

from infra.postgres.private import free_port

ROOT = Path(__file__).resolve().parents[2]
START = ROOT / "infra" / "keycloak" / "start.sh"
CACHE = Path(os.environ.get("LIANJIAN_CACHE") or Path.home() / ".cache" / "lianjian") / "keycloak"


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/realms/lianjian/.well-known/openid-configuration", timeout=5) as answer:
            return answer.status == 200
    except OSError:
        return False


@pytest.mark.keycloak
def test_two_runs_at_once_share_the_distribution_and_stop_only_their_own(keycloak_url, tmp_path):
    # keycloak_url first: the session's server has fetched the distribution, which these runs share.
    zips = sorted(CACHE.glob("keycloak-quarkus-dist-*.zip"))
    assert zips, f"no distribution in {CACHE}"
    cache = tmp_path / "cache"
    (cache / "keycloak").mkdir(parents=True)
    os.link(zips[-1], cache / "keycloak" / zips[-1].name)  # fresh cache: each run must unpack, only one may
    ports = [free_port(), free_port()]
    envs = [{**os.environ, "PORT": str(port), "LIANJIAN_CACHE": str(cache), "KEYCLOAK_EPHEMERAL": "1",
             "KEYCLOAK_VERSION": zips[-1].stem.rsplit("-", 1)[1]} for port in ports]
    runs = [subprocess.Popen(["bash", str(START)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for env in envs]
    try:
        outputs = [run.communicate(timeout=600) for run in runs]
        for run, (out, err) in zip(runs, outputs):
            assert run.returncode == 0, err
        urls = [out.strip().splitlines()[-1].split("=", 1)[1] for out, _ in outputs]
        assert urls == [f"http://127.0.0.1:{port}" for port in ports]
        assert sum("unpacking" in err for _, err in outputs) == 1  # the second found it unpacked
        assert all(answers(url) for url in urls)
        again = subprocess.run(["bash", str(START)], env=envs[0], capture_output=True, text=True, timeout=300)
        assert again.returncode == 0 and "already running" in again.stderr
        assert again.stdout.strip().endswith(urls[0])
        subprocess.run(["bash", str(START), "stop"], env=envs[0], check=True, capture_output=True, timeout=120)
        assert not answers(urls[0]) and answers(urls[1])
        assert not (cache / "keycloak" / "instances" / str(ports[0])).exists()
    finally:
        for env in envs:
            subprocess.run(["bash", str(START), "stop"], env=env, capture_output=True, timeout=120)
