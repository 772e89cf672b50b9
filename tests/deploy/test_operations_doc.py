"""Every command in docs/operations.md is run by a test or by the smoke test (issue 14).

Each command line in the runbook's shell blocks ends with the name of what runs it:
``[smoke]`` (deploy/smoke.py, run by .ci/run), a test file, or ``[os]`` for the operating
system's own commands, which are checked here against what they act on: the Debian packages
exist, the systemd units named exist and pass ``systemd-analyze verify`` with the paths the
runbook gives, the system user is the units' user, the off-host copy command copies.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "operations.md"
SMOKE = (ROOT / "deploy" / "smoke.py").read_text()
ANNOTATION = re.compile(r"\[([^\]]+)\]\s*$")
ASSIGNMENT = re.compile(r"^[A-Z][A-Z0-9_]*=\S*(\s+#.*)?$")


def commands() -> list[tuple[int, str, list[str]]]:
    """(line, command, what runs it) for every command in a ```sh block; a command
    continued with a backslash is one command, its annotation on its last line."""
    out: list[tuple[int, str, list[str]]] = []
    in_block, pending, start = False, "", 0
    for number, line in enumerate(DOC.read_text().splitlines(), 1):
        if line.startswith("```"):
            in_block = line.strip() == "```sh" and not in_block
            continue
        if not in_block or not line.strip() or line.lstrip().startswith("#"):
            continue
        if not pending:
            start = number
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        text, pending = pending + line, ""
        if ASSIGNMENT.match(text.strip()):
            continue  # a line of an environment file, not a command
        match = ANNOTATION.search(text)
        runners = [r.strip() for r in match.group(1).split(",")] if match else []
        command = text[:match.start()] if match else text
        out.append((start, command.split("   #")[0].split("  # ")[0].strip(), runners))
    return out


ALL = commands()
SMOKE_ONLY = {"smoke", "os"}


def test_the_runbook_has_commands():
    assert len(ALL) >= 15


@pytest.mark.parametrize(("line", "command", "runners"), ALL,
                         ids=[f"line{n}" for n, _, _ in ALL])
def test_every_command_names_what_runs_it(line, command, runners):
    assert runners, f"docs/operations.md:{line}: `{command}` names no test that runs it"
    for runner in runners:
        if runner in SMOKE_ONLY:
            continue
        name = runner.split("/")[-1]
        name = name if name.endswith(".py") else f"{name}.py"
        assert list((ROOT / "tests").rglob(name)), f"line {line}: no test file {runner}"


def _senim_words(command: str) -> list[str]:
    """The subcommand words after `senim` (or `flask ... db`), up to the first option."""
    words = shlex.split(command.replace("$(date +%F)", "DATE"))
    for key in ("senim", "db"):
        if key in words:
            rest = words[words.index(key) + 1:]
            return [w for w in rest[:2] if not w.startswith("-") and w.isidentifier()
                    or w in ("run-scheduler",)][:2]
    return []


@pytest.mark.parametrize(("line", "command"),
                         [(n, c) for n, c, r in ALL if "smoke" in r],
                         ids=[f"line{n}" for n, _, r in ALL if "smoke" in r])
def test_smoke_runs_what_it_is_credited_with(line, command):
    if "postgres-setup.sh" in command:
        step = command.split("postgres-setup.sh")[1].split()[0]
        assert f'setup, "{step}"' in SMOKE
        return
    if "pip install" in command:
        assert '"pip", "install"' in SMOKE
        return
    if command.startswith("python3 -m venv"):
        assert '"-m", "venv"' in SMOKE
        return
    words = _senim_words(command)
    assert words, f"line {line}: cannot tell which command `{command}` is"
    for word in words:
        assert f'"{word}"' in SMOKE, f"line {line}: the smoke test never runs `{word}`"
    for option in re.findall(r"--[a-z-]+", command):
        assert f'"{option}"' in SMOKE, f"line {line}: the smoke test never passes {option}"


def _os_commands(verb: str) -> list[str]:
    return [c for _, c, r in ALL if "os" in r and c.split()[0] == verb]


def test_every_os_command_is_one_this_test_checks():
    known = {"apt-get", "adduser", "systemctl", "cp", "python3"}
    for line, command, runners in ALL:
        if "os" in runners:
            assert command.split()[0] in known, f"line {line}: unchecked `{command}`"


@pytest.mark.skipif(shutil.which("apt-cache") is None, reason="not a Debian system")
def test_the_debian_packages_exist():
    for command in _os_commands("apt-get"):
        packages = [w for w in command.split()[2:] if not w.startswith("-")]
        assert packages
        result = subprocess.run(["apt-cache", "show", *packages], capture_output=True,
                                text=True)
        assert result.returncode == 0, result.stderr


def _units() -> dict[str, str]:
    return {p.stem: p.read_text() for p in (ROOT / "deploy").glob("*.service")}


def test_the_system_user_is_the_units_user_and_home():
    (command,) = _os_commands("adduser")
    words = command.split()
    user, home = words[-1], words[words.index("--home") + 1]
    for name, text in _units().items():
        assert f"User={user}\n" in text, name
        assert f"ReadWritePaths={home}\n" in text and f"WorkingDirectory={home}\n" in text
    assert f"SENIM_INSTANCE_PATH={home}\n" in DOC.read_text()


def test_systemctl_names_only_units_that_exist():
    units = _units()
    named = {w for c in _os_commands("systemctl") for w in c.split()[2:]
             if not w.startswith("-")}
    assert named and named <= set(units), named - set(units)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd not installed")
def test_the_units_verify_with_the_runbooks_paths(tmp_path):
    """`systemd-analyze verify`, with /opt/senim (section 2's `cp -r deploy` and venv) made
    real: the venv's binaries are this interpreter's, the deploy folder is copied."""
    (command,) = _os_commands("cp")
    assert command.split()[1:] == ["-r", "deploy", "/opt/senim/deploy"]
    shutil.copytree(ROOT / "deploy", tmp_path / "deploy")
    venv_bin = Path(sys.executable).parent
    for name, text in _units().items():
        text = text.replace("/opt/senim/venv/bin", str(venv_bin)).replace(
            "/opt/senim/deploy", str(tmp_path / "deploy"))
        for path in re.findall(r"--config (\S+)", text):
            assert Path(path).is_file(), path
        for target in re.findall(r" ([a-z_.]+:app)\b", text):
            module = target.split(":")[0]
            assert subprocess.run([sys.executable, "-c", f"import {module}"],
                                  cwd=tmp_path, capture_output=True).returncode == 0, target
        unit = tmp_path / f"{name}.service"
        unit.write_text(text)
        result = subprocess.run(["systemd-analyze", "verify", "--man=no", str(unit)],
                                capture_output=True, text=True)
        problems = [line for line in (result.stdout + result.stderr).splitlines()
                    if name in line and "Failed to" not in line and "ignoring" not in line
                    and "/etc/senim" not in line]
        assert not problems, problems


def test_the_venv_command_makes_a_venv(tmp_path):
    (command,) = _os_commands("python3")
    assert command.split()[:3] == ["python3", "-m", "venv"]
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "venv")],
                   check=True)
    assert (tmp_path / "venv" / "bin" / "python").exists()


@pytest.mark.skipif(shutil.which("rsync") is None, reason="rsync not installed")
def test_the_off_host_copy_copies_new_backups_and_never_overwrites(tmp_path):
    (command,) = [c for _, c, _ in ALL if c.startswith("rsync")]
    words = shlex.split(command)
    source, target = tmp_path / "backups", tmp_path / "offsite"
    source.mkdir()
    target.mkdir()
    (source / "senim-20261201T010000Z.age").write_bytes(b"new one")
    (source / "senim-20261130T010000Z.age").write_bytes(b"changed here")
    (target / "senim-20261130T010000Z.age").write_bytes(b"kept there")
    local = [*words[:-2], f"{source}/", f"{target}/"]
    subprocess.run(local, check=True, capture_output=True)
    assert (target / "senim-20261201T010000Z.age").read_bytes() == b"new one"
    assert (target / "senim-20261130T010000Z.age").read_bytes() == b"kept there"
