"""The commands `kangtong demo` prints run as pasted, wherever kangtong is installed."""

from __future__ import annotations

import shlex

from kangtong.cli.demo_cast import DemoCast
from kangtong.cli.demo_commands import demo_commands
from kangtong.cli.demo_people import DemoCredentials

CAST = DemoCast("org-1", "云岩区人民医院", "prac-1", "王医生", "520103", ("pat-1",), "pat-9")
CREDENTIALS = DemoCredentials("Kt9-doctor", "Kt9-resident", "his-secret", "app-secret")


def test_a_kangtong_path_with_a_space_stays_one_word_of_the_shell() -> None:
    kangtong = "/home/li/My Projects/kangtong/.venv/bin/kangtong"
    lines = demo_commands(
        CAST, CREDENTIALS, kangtong=kangtong, database_url="sqlite:///var/demo db.sqlite",
        base_url="http://127.0.0.1:8080",
    )  # fmt: skip
    [system] = [line for line in lines if line.startswith("SYSTEM=")]
    command = shlex.split(system.removeprefix("SYSTEM=$(").removesuffix(")"))
    assert command[0] == kangtong
    assert command[-2:] == ["--database-url", "sqlite:///var/demo db.sqlite"]
