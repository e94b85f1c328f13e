"""``check --fix``, ``--diff``, ``--unsafe-fixes``, ``--show-fixes`` through ``main``."""

from __future__ import annotations

from pathlib import Path

BAD = "pool:\n  vmImage: ubuntu-latest\nsteps:\n- script: docker build -t app .\n"


def _repo(tmp_path: Path, text: str = BAD) -> Path:
    (tmp_path / ".git").mkdir(parents=True)
    (tmp_path / "azure-pipelines.yml").write_text(text)
    return tmp_path


def test_fix_rewrites_and_exits_0_when_nothing_is_left(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = _repo(tmp_path)
    r = cli("check", "--fix", "--show-fixes", ".", cwd=root)
    assert r.code == 0, r.out + r.err
    assert "Rewrote azure-pipelines.yml (1 fix)" in r.err
    assert "  LL101 Build with buildx" in r.err
    assert r.out == "All checks passed (1 file checked).\n"
    assert "--cache-from=type=local" in (root / "azure-pipelines.yml").read_text()


def test_fix_exits_1_when_findings_remain(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = _repo(tmp_path, BAD + "- script: docker build --no-cache -t fresh .\n")
    r = cli("check", "--fix", ".", cwd=root)
    assert r.code == 1
    assert "LL101" in r.out and "--no-cache" in r.out
    assert "Fixed 1 finding." in r.err


def test_diff_writes_nothing_and_exits_1(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = _repo(tmp_path)
    r = cli("check", "--diff", ".", cwd=root)
    assert r.code == 1
    assert r.out.startswith("--- a/azure-pipelines.yml\n+++ b/azure-pipelines.yml\n")
    assert "+- task: Cache@2" in r.out
    assert (root / "azure-pipelines.yml").read_text() == BAD
    clean = _repo(tmp_path / "clean", "steps:\n- script: echo hi\n")
    assert cli("check", "--diff", ".", cwd=clean).code == 0


def test_unsafe_fixes_need_the_flag_and_the_registry(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = _repo(tmp_path, "pool:\n  vmImage: ubuntu-latest\nsteps:\n- task: Docker@2\n"
                           "  inputs:\n    containerRegistry: acr\n    repository: app\n"
                           "    Dockerfile: Dockerfile\n")
    (root / "Dockerfile").write_text("FROM alpine\n")
    (root / ".layerlint.toml").write_text('[registries]\nacr = "myacr.azurecr.io"\n')
    assert cli("check", "--fix", ".", cwd=root).code == 1  # unsafe: not applied
    r = cli("check", "--fix", "--unsafe-fixes", ".", cwd=root)
    assert r.code == 0, r.out + r.err
    text = (root / "azure-pipelines.yml").read_text()
    assert "-t myacr.azurecr.io/app:$(Build.BuildId)" in text and "--push" in text


def test_template_style_from_config(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = _repo(tmp_path, "pool:\n  vmImage: ubuntu-latest\nsteps:\n"
                           "- script: docker build -t app .\n")
    (root / "Dockerfile").write_text("FROM alpine\n")
    (root / ".layerlint.toml").write_text('[fix]\nstyle = "template"\n'
                                          'template = "ci/docker.yml"\n')
    r = cli("check", "--fix", ".", cwd=root)
    assert r.code == 0, r.out + r.err
    assert "Created" in r.err and (root / "ci" / "docker.yml").exists()
    assert "- template: /ci/docker.yml" in (root / "azure-pipelines.yml").read_text()


def test_broken_yaml_is_not_fixed(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = _repo(tmp_path, BAD + "  x: [\n")
    r = cli("check", "--fix", ".", cwd=root)
    assert r.code == 1 and "LL001" in r.out
    assert (root / "azure-pipelines.yml").read_text() == BAD + "  x: [\n"


def test_fix_leaves_excluded_and_vendored_files_alone(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = "pool:\n  vmImage: ubuntu-latest\nsteps:\n- script: docker build -t app .\n"
    root = _repo(tmp_path, text)
    (root / "vendor" / "lib").mkdir(parents=True)
    (root / "vendor" / "lib" / "azure-pipelines.yml").write_text(text)
    (root / "legacy").mkdir()
    (root / "legacy" / "azure-pipelines.yml").write_text(text)
    r = cli("check", "--fix", "--extend-exclude", "legacy", ".", cwd=root)
    assert "Rewrote azure-pipelines.yml" in r.err, r.err
    assert (root / "vendor" / "lib" / "azure-pipelines.yml").read_text() == text
    assert (root / "legacy" / "azure-pipelines.yml").read_text() == text
