"""`pip install .` works without the Makefile (issue 14, item 2): the wheel carries the
compiled catalogues, templates, static files and migrations, and an installed Senim
initialises and speaks Kazakh from a folder outside the repository."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

REPO = Path(__file__).resolve().parents[2]

PROBE = r"""
import json, sys
import casework
from casework import create_app
app = create_app()
client = app.test_client()
page = client.get("/auth/login", headers={"Accept-Language": "kk"})
print(json.dumps({"file": casework.__file__, "status": page.status_code,
                  "html": page.get_data(as_text=True)}))
"""


def _kazakh(msgid: str) -> str:
    with (REPO / "casework/translations/kk/LC_MESSAGES/messages.po").open("rb") as handle:
        message = read_po(handle, locale="kk").get(msgid)
    assert message is not None and message.string
    return str(message.string)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out),
                    str(REPO)], check=True, capture_output=True, timeout=300)
    (built,) = out.glob("senim-*.whl")
    return built


def test_installed_wheel_initialises_and_speaks_kazakh(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / "bin" / "python"
    site = Path(subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True).stdout.strip())
    # The dependencies come from the test environment (a .pth adds its site-packages as a
    # plain path, so its editable install of Senim is NOT seen); Senim itself only from
    # the wheel.
    (site / "senim-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                    "--no-deps", "--no-index", "-q", str(wheel)],
                   check=True, capture_output=True, timeout=300)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SENIM_", "PYTHON"))}
    env.update(SENIM_INSTANCE_PATH=str(tmp_path / "instance"), SENIM_ENV="development")
    init = subprocess.run([str(python), "-m", "flask", "--app", "casework", "senim", "init"],
                          cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300)
    assert init.returncode == 0, init.stderr[-2000:]
    assert (tmp_path / "instance" / "casework.db").exists()

    probe = subprocess.run([str(python), "-c", PROBE], cwd=elsewhere, env=env,
                           capture_output=True, text=True, timeout=300)
    assert probe.returncode == 0, probe.stderr[-2000:]
    result = json.loads(probe.stdout.strip().splitlines()[-1])
    assert str(site) in result["file"] and str(REPO) not in result["file"]
    assert result["status"] == 200
    assert 'lang="kk"' in result["html"]
    assert _kazakh("Sign in") in result["html"]
