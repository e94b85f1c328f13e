"""Property tests: pipelines generated from a grammar (stages, jobs, deployment hooks,
conditional insertions, scripts with docker commands in many spellings, Cache@2 steps,
comments, both sequence indent styles) never make ``check`` raise, and every finding lies
inside its file."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layerlint.document import parse_text
from layerlint.engine import Engine

DOCKER = st.sampled_from([
    "docker build -t app .",
    "DOCKER_BUILDKIT=1 docker build \\\n  -f Dockerfile \\\n  -t app .",
    "sudo docker image build .",
    "docker -H tcp://h:2375 builder build .",
    "docker buildx build --cache-from type=local,src=$(Pipeline.Workspace)/c --load .",
    "docker buildx b --cache-from=type=registry,ref=r/app:cache --push .",
    "docker buildx build --cache-to type=local,dest=c-new,mode=max .",
    "if docker build .; then echo ok; fi",
    "x=$(docker build -q .)",
    "echo 'docker build .'",
    "# docker build .",
    "docker compose build",
    "docker-compose up --build -d",
    "cd src && docker build . || exit 1",
    "docker build `\n  -t app .",
    "${{ parameters.cmd }}",
    "unterminated 'quote",
])
CACHE = st.builds(
    lambda path, key: (
        f"- task: Cache@2\n  inputs:\n    key: '{key}'\n    path: {path}\n"
    ),
    st.sampled_from(["$(Pipeline.Workspace)/c", "c", "$(dir)", "${{ parameters.p }}", "/tmp/c"]),
    st.sampled_from(['"docker" | "$(Agent.OS)"', "npm | package-lock.json", "docker"]),
)


def _indent(text: str, n: int) -> str:
    pad = " " * n
    return "".join(pad + line if line.strip() else line for line in text.splitlines(True))


@st.composite
def step(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["script", "bash", "pwsh", "task", "cache", "docker_task"]))
    if kind == "cache":
        return draw(CACHE)
    if kind == "docker_task":
        command = draw(st.sampled_from(["build", "buildAndPush", "push", ""]))
        inputs = f"    command: {command}\n" if command else "    repository: app\n"
        return f"- task: Docker@2\n  inputs:\n{inputs}"
    body = "\n".join(draw(st.lists(DOCKER, min_size=1, max_size=3)))
    comment = draw(st.sampled_from(["", "  # a comment"]))
    if kind == "task":
        return ("- task: Bash@3\n  inputs:\n    targetType: inline\n    script: |\n"
                + _indent(body, 6) + "\n")
    return f"- {kind}: |{comment}\n" + _indent(body, 4) + "\n"


@st.composite
def steps_block(draw: st.DrawFn) -> str:
    items = draw(st.lists(step(), min_size=1, max_size=4))
    if draw(st.booleans()):
        items.insert(0, "- ${{ if eq(parameters.x, true) }}:\n" + _indent(items.pop(0), 2))
    return "".join(items)


@st.composite
def pipeline(draw: st.DrawFn) -> str:
    shape = draw(st.sampled_from(["steps", "jobs", "stages", "deployment"]))
    indent = draw(st.sampled_from([0, 2]))  # indentless or indented sequences
    head = draw(st.sampled_from(["", "pool:\n  vmImage: ubuntu-latest\n", "pool: self\n"]))
    head += "# generated\nparameters:\n- name: x\n  type: boolean\n  default: true\n"
    body = draw(steps_block())
    if shape == "steps":
        return head + "steps:\n" + _indent(body, indent)
    if shape == "jobs":
        return head + "jobs:\n" + _indent("- job: a\n  steps:\n" + _indent(body, 2), indent)
    if shape == "stages":
        job = "- job: a\n  steps:\n" + _indent(body, 2)
        return head + "stages:\n" + _indent("- stage: s\n  jobs:\n" + _indent(job, 2), indent)
    hook = draw(st.sampled_from(["preDeploy", "deploy", "routeTraffic", "postRouteTraffic"]))
    dep = (f"- deployment: d\n  environment: e\n  strategy:\n    runOnce:\n      {hook}:\n"
           "        steps:\n" + _indent(body, 8))
    return head + "jobs:\n" + _indent(dep, indent)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pipeline())
def test_generated_pipelines(tmp_path_factory, text: str) -> None:  # type: ignore[no-untyped-def]
    root: Path = tmp_path_factory.mktemp("p")
    (root / "azure-pipelines.yml").write_text(text)
    parse_text(root / "azure-pipelines.yml", "x", text)  # the grammar makes valid YAML
    result = Engine(cwd=root).run(["azure-pipelines.yml"])
    assert not result.internal_errors
    assert [f.status for f in result.files] == ["linted"]
    lines = text.splitlines()
    for f in result.findings:
        assert 1 <= f.line <= len(lines)
        assert 1 <= f.column <= len(lines[f.line - 1]) + 1
        assert (f.end_line, f.end_column) >= (f.line, f.column)
    for b in result.builds:
        assert "docker" in lines[b.line - 1] or "task" in lines[b.line - 1]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("steps:-[]{}|>'\"#&*!% \n\tdocker build$(){}")),
               max_size=200))
def test_arbitrary_text_never_crashes(tmp_path_factory, text: str) -> None:  # type: ignore[no-untyped-def]
    root: Path = tmp_path_factory.mktemp("a")
    (root / "p.yml").write_text(text)
    result = Engine(cwd=root).run(["p.yml"])
    assert not result.internal_errors


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pipeline())
def test_fix_output_parses_is_idempotent_and_keeps_comments(tmp_path_factory, text: str) -> None:  # type: ignore[no-untyped-def]
    from layerlint.fixer import fix_document

    root: Path = tmp_path_factory.mktemp("f")
    path = root / "azure-pipelines.yml"
    path.write_text(text)
    engine = Engine(cwd=root)
    doc = engine.document(path)
    assert not isinstance(doc, Exception)
    outcome = fix_document(engine, doc, root)
    assert outcome.error is None and outcome.rejected == []
    fixed = parse_text(path, "x", outcome.fixed)  # parses
    again = fix_document(Engine(cwd=root), fixed, root)
    assert again.fixed == outcome.fixed  # idempotent
    comments = [line.strip() for line in text.splitlines() if line.strip().startswith("#")]
    assert all(c in outcome.fixed for c in comments)
