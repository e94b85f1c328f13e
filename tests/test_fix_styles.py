"""Template fix style and the unsafe buildAndPush fix."""

from __future__ import annotations

from pathlib import Path

from layerlint.engine import Engine
from layerlint.fixer import fix_paths
from layerlint.fixes.settings import FixSettings

PIPELINE = """\
trigger: none
pool:
  vmImage: ubuntu-latest
steps:
- script: docker build -f app/Dockerfile -t myacr.azurecr.io/app:$(Build.BuildId) app
  displayName: Build app
- task: Docker@2
  inputs:
    command: buildAndPush
    containerRegistry: my-acr
    repository: web
    Dockerfile: web/Dockerfile
"""


def repo(tmp_path: Path, pipelines: int = 1) -> Path:
    (tmp_path / ".git").mkdir()
    for name in ("app", "web"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "Dockerfile").write_text("FROM alpine\n")
    for i in range(pipelines):
        (tmp_path / f"pipeline{i}.yml").write_text(PIPELINE)
    return tmp_path


def engine(root: Path, **settings: object) -> Engine:
    e = Engine(cwd=root)
    e.fix_settings = FixSettings(**settings)  # type: ignore[arg-type]
    return e


def test_template_style_writes_one_template_and_short_references(tmp_path: Path) -> None:
    root = repo(tmp_path, pipelines=3)
    outcomes = fix_paths(engine(root, style="template", template="ci/docker-build.yml"), ["."])
    assert sorted(o.display for o in outcomes if o.written) == [
        "pipeline0.yml", "pipeline1.yml", "pipeline2.yml"]
    template = root / "ci" / "docker-build.yml"
    assert template.exists()
    fixed = (root / "pipeline0.yml").read_text()
    assert "- template: /ci/docker-build.yml\n  parameters:\n    name: app\n" in fixed
    assert "    dockerfile: app/Dockerfile\n    context: app\n" in fixed
    assert "arguments: -t myacr.azurecr.io/app:$(Build.BuildId)" in fixed
    assert "displayName: Build app" in fixed
    # the template and its callers are clean, and nothing is left to fix
    result = Engine(cwd=root).run(["."])
    assert [f for f in result.findings if f.code not in ("LL102",)] == []
    assert fix_paths(engine(root, style="template", template="ci/docker-build.yml"),
                     ["."]) == []


def test_buildandpush_fix_needs_registry_mapping_and_unsafe(tmp_path: Path) -> None:
    root = repo(tmp_path)
    findings = Engine({"LL102"}, cwd=root).run(["."]).findings
    # without a mapping, the login server is read at run time from the login's Docker
    # config: unsafe, and the title and message say so and how to pin it
    guessed = findings[0].fix
    assert guessed is not None and guessed.applicability == "unsafe"
    assert "run time" in guessed.title and "`registries`" in guessed.title
    assert "`registries`" in findings[0].message
    mapped = engine(root, registries={"my-acr": "myacr.azurecr.io"})
    finding = mapped.run(["."]).findings
    ll102 = next(f for f in finding if f.code == "LL102")
    assert ll102.fix is not None and ll102.fix.applicability == "unsafe"
    assert [o for o in fix_paths(mapped, ["."], write=False)
            if any(code == "LL102" for code, _ in o.applied)] == []  # unsafe: not by default
    outcome = fix_paths(mapped, ["."], unsafe=True)[0]
    text = (root / "pipeline0.yml").read_text()
    assert outcome.written and "command: login" in text and "containerRegistry: my-acr" in text
    assert "--push" in text and "-t myacr.azurecr.io/web:$(Build.BuildId)" in text
    assert [f.code for f in Engine(cwd=root).run(["."]).findings] == []


def test_docker_task_default_dockerfile_glob_resolves_to_the_one_match(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "Dockerfile").write_text("FROM alpine\n")
    (tmp_path / "p.yml").write_text(
        "pool:\n  vmImage: ubuntu-latest\nsteps:\n- task: Docker@2\n  inputs:\n"
        "    command: build\n    repository: svc\n")
    outcome = fix_paths(Engine(cwd=tmp_path), ["."])[0]
    text = (tmp_path / "p.yml").read_text()
    assert outcome.written and "-f svc/Dockerfile" in text and "  svc\n" in text
    (tmp_path / "p.yml").write_text(
        "steps:\n- task: Docker@2\n  inputs:\n    command: build\n")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "Dockerfile").write_text("FROM alpine\n")
    assert fix_paths(Engine(cwd=tmp_path), ["."]) == []  # two matches: ambiguous, no fix
