"""Configuration files: discovery and precedence, every key, validation errors that name
the file and the key, --config and --isolated, and the shipped JSON Schema."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from layerlint.config import Config, find, glob_match, load

BAD = "steps:\n- script: docker build -t app .\n"
SELF_HOSTED = "pool: builders\nsteps:\n- script: docker build -t app .\n"


def _repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir(parents=True)
    return tmp_path


def test_discovery_walks_up_and_stops_at_the_repository(tmp_path: Path) -> None:
    outer = tmp_path / ".layerlint.toml"
    outer.write_text("")
    repo = _repo(tmp_path / "repo")
    sub = repo / "a" / "b"
    sub.mkdir(parents=True)
    assert find(sub) is None  # the repository root stops the walk
    (repo / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert find(sub) is None  # no [tool.layerlint]
    (repo / "pyproject.toml").write_text("[tool.layerlint]\nignore = ['LL103']\n")
    assert find(sub) == repo / "pyproject.toml"
    (repo / ".layerlint.yaml").write_text("ignore: [LL103]\n")
    assert find(sub) == repo / ".layerlint.yaml"
    (repo / ".layerlint.toml").write_text("")
    assert find(sub) == repo / ".layerlint.toml"
    (repo / "a" / ".layerlint.yml").write_text("")
    assert find(sub) == repo / "a" / ".layerlint.yml"


def test_every_key_loads(tmp_path: Path) -> None:
    path = tmp_path / ".layerlint.toml"
    path.write_text("""
select = ["LL1", "LL2"]
extend-select = ["LL001"]
ignore = ["cache-path-mismatch"]
exclude = ["vendor"]
extend-exclude = ["**/generated/*.yml"]
agents = "self-hosted"
[per-file-ignores]
"templates/*.yml" = ["LL201"]
[severity]
LL103 = "info"
[registries]
acr-connection = "myregistry.azurecr.io"
[template-repos]
templates = "../shared-templates"
[fix]
style = "template"
template = "ci/docker-build.yml"
""")
    config = load(path)
    assert config == Config(
        path=path, root=tmp_path.resolve(), select=("LL1", "LL2"), extend_select=("LL001",),
        ignore=("cache-path-mismatch",), per_file_ignores=(("templates/*.yml", ("LL201",)),),
        severity={"LL103": "info"}, exclude=("vendor",),
        extend_exclude=("**/generated/*.yml",), agents="self-hosted",
        registries={"acr-connection": "myregistry.azurecr.io"},
        template_repos={"templates": (tmp_path / "../shared-templates").resolve()},
        fix_style="template", fix_template=(tmp_path / "ci/docker-build.yml").resolve(),
    )


def test_yaml_and_pyproject_are_the_same_config(tmp_path: Path) -> None:
    (tmp_path / ".layerlint.yaml").write_text("ignore: [LL103]\nseverity:\n  LL101: warning\n")
    (tmp_path / "pyproject.toml").write_text(
        "[tool.layerlint]\nignore = ['LL103']\nseverity = { LL101 = 'warning' }\n")
    a = load(tmp_path / ".layerlint.yaml")
    b = load(tmp_path / "pyproject.toml")
    assert (a.ignore, a.severity) == (b.ignore, b.severity) == (("LL103",), {"LL101": "warning"})


@pytest.mark.parametrize(("text", "message"), [
    ("selct = ['LL1']\n", "selct: unknown key 'selct'"),
    ("agents = 'cloud'\n", "agents: 'cloud' is not one of 'auto', 'hosted', 'self-hosted'"),
    ("ignore = 'LL101'\n", "ignore: expected array, got a string"),
    ("[severity]\nLL101 = 'fatal'\n", "severity.LL101: 'fatal' is not one of"),
    ("[per-file-ignores]\n'ci/*.yml' = ['LL 1']\n",
     'per-file-ignores["ci/*.yml"][0]: \'LL 1\' is not valid'),
    ("[fix]\nstyle = 'template'\n", "fix: 'template' is a required property"),
    ("[registries]\nacr = 'https://x'\n", "registries.acr: 'https://x' is not valid"),
])
def test_validation_errors_name_file_and_key(cli, tmp_path: Path, text: str,  # type: ignore[no-untyped-def]
                                             message: str) -> None:
    _repo(tmp_path)
    (tmp_path / ".layerlint.toml").write_text(text)
    (tmp_path / "p.yml").write_text(BAD)
    r = cli("check", ".", cwd=tmp_path)
    assert r.code == 2, r.out
    assert f"{tmp_path / '.layerlint.toml'}: {message}" in r.err, r.err


def test_unknown_codes_and_syntax_errors_are_config_errors(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _repo(tmp_path)
    (tmp_path / "p.yml").write_text(BAD)
    config = tmp_path / ".layerlint.toml"
    config.write_text("select = ['LL9']\n")
    r = cli("check", ".", cwd=tmp_path)
    assert r.code == 2 and f"{config}: unknown rule code or name: 'LL9'" in r.err
    config.write_text("[severity]\nLL999 = 'info'\n")
    r = cli("check", ".", cwd=tmp_path)
    assert r.code == 2 and f"{config}: severity.LL999: unknown rule code" in r.err
    config.write_text("select = [\n")
    r = cli("check", ".", cwd=tmp_path)
    assert r.code == 2 and f"{config}: invalid TOML" in r.err
    assert cli("check", "--isolated", ".", cwd=tmp_path).code == 1


def test_config_drives_the_run(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _repo(tmp_path)
    (tmp_path / "ci").mkdir()
    (tmp_path / "third_party").mkdir()
    (tmp_path / "ci" / "a.yml").write_text(BAD)
    (tmp_path / "b.yml").write_text(BAD)
    (tmp_path / "third_party" / "c.yml").write_text(BAD)
    assert cli("check", "-q", ".", cwd=tmp_path).out.count("LL101") == 3
    (tmp_path / ".layerlint.yaml").write_text(
        "exclude: [third_party]\nper-file-ignores:\n  'ci/**': [uncached-docker-build]\n")
    r = cli("check", "-q", ".", cwd=tmp_path)
    assert r.out.splitlines()[0].startswith("b.yml:2:11: LL101") and r.out.count("LL101") == 1
    assert cli("check", "-q", "--exclude", "", ".", cwd=tmp_path).out.count("LL101") == 2
    r = cli("check", "-q", "--extend-exclude", "b.yml", ".", cwd=tmp_path)
    assert r.code == 0 and r.out == ""
    assert cli("check", "--isolated", "-q", ".", cwd=tmp_path).out.count("LL101") == 3


def test_severity_and_select_from_config(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _repo(tmp_path)
    (tmp_path / "p.yml").write_text(BAD)
    (tmp_path / "pyproject.toml").write_text("[tool.layerlint.severity]\nLL101 = 'info'\n")
    r = cli("check", ".", cwd=tmp_path)
    assert r.code == 0 and "(1 info" in r.out  # info findings do not fail a run
    (tmp_path / "pyproject.toml").write_text("[tool.layerlint]\nselect = ['LL2']\n")
    assert cli("check", ".", cwd=tmp_path).code == 0
    assert cli("check", "--extend-select", "LL101", ".", cwd=tmp_path).code == 1
    assert cli("check", "--select", "LL1", ".", cwd=tmp_path).code == 1


def test_agents_override_the_pool(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _repo(tmp_path)
    (tmp_path / "p.yml").write_text(SELF_HOSTED)
    data = json.loads(cli("check", "--format", "json", ".", cwd=tmp_path).out)
    assert data["findings"][0]["severity"] == "warning"  # a named pool is self-hosted
    (tmp_path / ".layerlint.toml").write_text("agents = 'hosted'\n")
    data = json.loads(cli("check", "--format", "json", ".", cwd=tmp_path).out)
    assert data["findings"][0]["severity"] == "error"
    (tmp_path / "h.yml").write_text(BAD)
    data = json.loads(cli("check", "--format", "json", "--agents", "self-hosted", "h.yml",
                          cwd=tmp_path).out)
    assert data["findings"][0]["severity"] == "warning"


def test_template_repos_are_followed(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo = _repo(tmp_path / "repo")
    (tmp_path / "shared-templates").mkdir()
    (tmp_path / "shared-templates" / "build.yml").write_text("steps:\n- script: echo\n")
    (repo / "p.yml").write_text("steps:\n- template: build.yml@templates\n"
                                "- template: missing.yml@templates\n")

    def findings() -> list[tuple[str, int, str]]:
        r = cli("check", "--format", "json", "p.yml", cwd=repo)
        return [(f["code"], f["line"], f["severity"]) for f in json.loads(r.out)["findings"]]

    # not mapped: both references are noted as not followed
    assert findings() == [("LL002", 2, "info"), ("LL002", 3, "info")]
    (repo / ".layerlint.toml").write_text("[template-repos]\ntemplates = '../shared-templates'\n")
    assert findings() == [("LL002", 3, "error")]  # followed: only the missing one is wrong


def test_explicit_config_file(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _repo(tmp_path)
    (tmp_path / "p.yml").write_text(BAD)
    (tmp_path / "strict.yaml").write_text("ignore: [LL101]\n")
    assert cli("check", "--config", "strict.yaml", ".", cwd=tmp_path).code == 0
    r = cli("check", "--config", "nope.toml", ".", cwd=tmp_path)
    assert r.code == 2 and "no such configuration file" in r.err


def test_config_schema_command(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("config-schema")
    schema = json.loads(r.out)
    assert r.code == 0 and schema["title"] == "layerlint configuration"
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft7Validator.check_schema(schema)
    keys = {"select", "ignore", "extend-select", "per-file-ignores", "severity", "exclude",
            "extend-exclude", "agents", "registries", "template-repos", "fix", "audit"}
    assert set(schema["properties"]) == keys


def test_check_without_config_does_not_import_jsonschema(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "p.yml").write_text(BAD)
    code = ("import sys; from layerlint.cli import main; main(['check', '-q', '.']); "
            "print('jsonschema' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, check=False,
                          env={"PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    assert proc.stdout.strip().endswith("False"), proc.stdout + proc.stderr


@pytest.mark.parametrize(("pattern", "path", "expected"), [
    ("vendor", "vendor/a.yml", True),
    ("vendor", "x/vendor/a.yml", True),
    ("*.tmpl.yml", "ci/a.tmpl.yml", True),
    ("ci/*.yml", "ci/a.yml", True),
    ("ci/*.yml", "ci/sub/a.yml", False),
    ("ci/**/*.yml", "ci/sub/deep/a.yml", True),
    ("ci/**", "ci/a.yml", True),
    ("ci", "cix/a.yml", False),
    ("/ci/", "ci/a.yml", True),
])
def test_globs(pattern: str, path: str, expected: bool) -> None:
    assert glob_match(pattern, path) is expected
