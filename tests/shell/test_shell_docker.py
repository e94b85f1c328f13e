from __future__ import annotations

import pytest

from layerlint.shell import (
    BuilderCommand,
    DockerBuild,
    Word,
    cache_spec,
    parse_bash,
    parse_docker,
    parse_powershell,
)


def build(text: str) -> DockerBuild:
    found = [d for c in parse_bash(text) if isinstance(d := parse_docker(c), DockerBuild)]
    assert len(found) == 1, found
    return found[0]


def builder(text: str) -> BuilderCommand:
    d = parse_docker(parse_bash(text)[0])
    assert isinstance(d, BuilderCommand)
    return d


@pytest.mark.parametrize(
    ("text", "tool"),
    [
        ("docker build .", "docker build"),
        ("docker image build .", "docker image build"),
        ("docker builder build .", "docker builder build"),
        ("docker buildx build .", "docker buildx build"),
        ("docker buildx b .", "docker buildx build"),
        ("docker buildx --builder x build .", "docker buildx build"),
        ("/usr/bin/docker build .", "docker build"),
        ("docker.exe build .", "docker build"),
        ("sudo docker build .", "docker build"),
        ("sudo -E -u root docker build .", "docker build"),
        ("sudo -Eu root -- docker build .", "docker build"),
        ("sudo --user=root docker build .", "docker build"),
        ("sudo --preserve-env DOCKER_BUILDKIT=1 docker build .", "docker build"),
        ("env DOCKER_BUILDKIT=1 docker build .", "docker build"),
        ("env -u X docker build .", "docker build"),
        ("DOCKER_BUILDKIT=1 docker build .", "docker build"),
        ("time docker build .", "docker build"),
        ("docker -H tcp://x --log-level debug build .", "docker build"),
        ("docker --host=tcp://x -l=debug --tls --tlsverify -D build .", "docker build"),
        ("docker --config /c --context ctx --tlscacert a --tlscert b --tlskey c build .",
         "docker build"),
        ("docker -c ctx buildx build .", "docker buildx build"),
        ("docker compose build", "docker compose build"),
        ("docker compose -f a.yml -p proj --profile x build web", "docker compose build"),
        ("docker compose --project-name p --env-file e --project-directory d build",
         "docker compose build"),
        ("docker compose up -d --build", "docker compose up --build"),
        ("docker-compose -f a.yml build", "docker-compose build"),
        ("docker-compose up --build --abort-on-container-exit", "docker-compose up --build"),
    ],
)  # fmt: skip
def test_tools(text: str, tool: str) -> None:
    d = build(text)
    assert d.tool == tool
    assert d.compose == ("compose" in tool)
    assert d.sudo == text.startswith("sudo")


@pytest.mark.parametrize(
    "text",
    [
        "docker run build",
        "docker push build",
        "docker images",
        "docker compose up -d",
        "docker compose up --build=false",
        "docker-compose up",
        "docker compose down",
        "docker buildx ls",
        "docker buildx bake",
        "docker",
        "docker -H",
        "docker image ls",
        "echo docker build .",
        "dockerd build",
        "sudo",
        "env",
        "npm run docker:build",
    ],
)
def test_not_builds(text: str) -> None:
    assert all(parse_docker(c) is None for c in parse_bash(text))


def test_full_option_parsing() -> None:
    text = (
        "docker buildx build --platform linux/amd64,linux/arm64 -t a:1 --tag=b:2 -tc:3 "
        "-f Dockerfile --file=x.Dockerfile --build-arg A=1 --build-arg=B=2 --target final "
        "--cache-from type=local,src=/c --cache-to=type=local,dest=/c,mode=max "
        "--builder mybuilder --load --push --no-cache --pull -q --progress plain "
        "--secret id=x,src=y --label a=b --network host ctx/dir extra"
    )
    d = build(text)
    assert [w.value for w in d.tags] == ["a:1", "b:2", "c:3"]
    assert [w.value for w in d.files] == ["Dockerfile", "x.Dockerfile"]
    assert [w.value for w in d.build_args] == ["A=1", "B=2"]
    assert [w.value for w in d.platforms] == ["linux/amd64,linux/arm64"]
    assert d.target is not None and d.target.value == "final"
    assert d.builder is not None and d.builder.value == "mybuilder"
    assert d.load and d.push and d.no_cache
    assert d.context is not None and d.context.value == "ctx/dir"
    assert [c.type for c in d.cache_from] == ["local"]
    assert d.cache_to[0].get("mode") == "max"
    assert d.subcommand_index == 3
    names = [n for n, _ in d.options]
    assert names[:4] == ["--platform", "-t", "--tag", "-t"]
    assert ("--load", None) in d.options
    # positions: value words of --x=v / -tV forms are narrowed to the value
    for w in (*d.tags, *d.files, *d.build_args):
        assert text[w.start : w.end] == w.value


@pytest.mark.parametrize(
    ("text", "context"),
    [
        ("docker build .", "."),
        ("docker build - < Dockerfile", "-"),
        ("docker build -f - .", "."),
        ("docker build --rm --force-rm --compress --squash --disable-content-trust x", "x"),
        ("docker build --check --debug --quiet y", "y"),
        ("docker build --call check z", "z"),
        ("docker build --shm-size 1g --ulimit n=1 -m 1g --cpu-shares 2 --isolation x w", "w"),
        ("docker build --no-cache-filter a --annotation a=b --attest x --sbom=true v", "v"),
        ("docker build --iidfile f --metadata-file m --build-context a=b --allow x u", "u"),
        ("docker build -- --weird", "--weird"),
        ("docker build https://github.com/x/y.git#main", "https://github.com/x/y.git#main"),
    ],
)
def test_context(text: str, context: str) -> None:
    d = build(text)
    assert d.context is not None and d.context.value == context


def test_no_context() -> None:
    assert build("docker build -t x").context is None


@pytest.mark.parametrize(
    ("flag", "no_cache"),
    [("--no-cache", True), ("--no-cache=true", True), ("--no-cache=false", False),
     ("--no-cache=0", False), ("", False)],
)  # fmt: skip
def test_no_cache_values(flag: str, no_cache: bool) -> None:
    assert build(f"docker build {flag} .").no_cache is no_cache


@pytest.mark.parametrize(
    ("flag", "load", "push"),
    [
        ("--output=type=docker", True, False),
        ("-o type=docker,dest=x", True, False),
        ("--output type=registry", False, True),
        ("--output type=image,name=x,push=true", False, True),
        ("-o out/", False, False),
        ("--output=type=local,dest=out", False, False),
        ("--load=false", False, False),
        ("--push=true", False, True),
    ],
)
def test_outputs(flag: str, load: bool, push: bool) -> None:
    d = build(f"docker buildx build {flag} .")
    assert (d.load, d.push) == (load, push)
    if flag.startswith(("-o", "--output")):
        assert len(d.outputs) == 1


@pytest.mark.parametrize(
    "text",
    [
        "docker buildx build --cache-from=type=local,src=/x .",
        "docker buildx build --cache-from type=local,src=/x .",
        'docker buildx build --cache-from "type=local,src=/x" .',
        "docker buildx build --cache-from='type=local,src=/x' .",
        "docker buildx build --cache-from TYPE=LOCAL,SRC=/x .",
    ],
)
def test_cache_from_equivalent_forms(text: str) -> None:
    d = build(text)
    assert len(d.cache_from) == 1
    spec = d.cache_from[0]
    assert spec.type == "local"
    assert spec.attrs == (("src", "/x"),)
    assert spec.get("SRC") == "/x"


def test_cache_from_with_macro_and_continuations() -> None:
    text = (
        "docker buildx build \\\n"
        "   -t $(Build.Repository.Name):$(Build.BuildId) \\\n"
        '   --cache-from "type=local,src=$(Pipeline.Workspace)/c" \\  \n'
        "   --cache-to type=local,dest=$(Pipeline.Workspace)/c-new,mode=max \\\n"
        "   .\n"
    )
    d = build(text)
    assert d.cache_from[0].get("src") == "$(Pipeline.Workspace)/c"
    assert d.cache_to[0].get("dest") == "$(Pipeline.Workspace)/c-new"
    w = d.cache_from[0].word
    assert text[w.start : w.end] == '"type=local,src=$(Pipeline.Workspace)/c"'
    assert d.context is not None and d.context.value == "."


def test_multiple_cache_from() -> None:
    d = build("docker build --cache-from a:1 --cache-from b:2,c:3 .")
    assert [(s.type, s.get("ref")) for s in d.cache_from] == [
        ("registry", "a:1"), ("registry", "b:2"), ("registry", "c:3")
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("myrepo/app:cache", [("registry", (("ref", "myrepo/app:cache"),))]),
        ("a,b", [("registry", (("ref", "a"),)), ("registry", (("ref", "b"),))]),
        ("type=registry,ref=x/y:c,mode=max",
         [("registry", (("ref", "x/y:c"), ("mode", "max")))]),
        ("type=gha,scope=main", [("gha", (("scope", "main"),))]),
        ("type=inline", [("inline", ())]),
        ("type=s3,region=x,bucket=b", [("s3", (("region", "x"), ("bucket", "b")))]),
        ("type=azblob,name=n", [("azblob", (("name", "n"),))]),
        ("ref=x,mode=max", [("", (("ref", "x"), ("mode", "max")))]),
        ('type=local,"src=/a,b"', [("local", (("src", "/a,b"),))]),
        ('"type=local","src=a""b"', [("local", (("src", 'a"b'),))]),
        ("type=local,src=$(Pipeline.Workspace)/c",
         [("local", (("src", "$(Pipeline.Workspace)/c"),))]),
        ("", []),
        ('"unterminated', [("registry", (("ref", "unterminated"),))]),
    ],
)  # fmt: skip
def test_cache_spec(value: str, expected: list[tuple[str, tuple[tuple[str, str], ...]]]) -> None:
    w = Word(value, 0, len(value))
    specs = cache_spec(w)
    assert [(s.type, s.attrs) for s in specs] == expected
    assert all(s.word is w for s in specs)


def test_buildx_level_builder() -> None:
    d = build("docker buildx --builder=b1 build .")
    assert d.builder is not None and d.builder.value == "b1"
    d = build("docker buildx --builder b1 build --builder b2 .")
    assert d.builder is not None and d.builder.value == "b2"


@pytest.mark.parametrize(
    ("text", "action", "name", "driver", "use", "append"),
    [
        ("docker buildx create --name b --driver docker-container --use", "create", "b",
         "docker-container", True, False),
        ("docker buildx create --use --bootstrap --platform linux/amd64 --driver-opt a=b "
         "--buildkitd-flags '--x' --config c.toml --node n1 --name=b2 --append ctx",
         "create", "b2", None, True, True),
        ("docker buildx create", "create", None, None, False, False),
        ("docker buildx use b", "use", "b", None, False, False),
        ("docker buildx use --default b", "use", "b", None, False, False),
        ("docker buildx rm b", "rm", "b", None, False, False),
        ("docker buildx rm", "rm", None, None, False, False),
        ("docker buildx inspect --bootstrap b", "inspect", "b", None, False, False),
        ("sudo docker buildx create --driver=kubernetes", "create", None, "kubernetes",
         False, False),
    ],
)  # fmt: skip
def test_builder_commands(
    text: str, action: str, name: str | None, driver: str | None, use: bool, append: bool
) -> None:
    b = builder(text)
    assert b.action == action
    assert (b.name.value if b.name else None) == name
    assert (b.driver, b.use, b.append) == (driver, use, append)


def test_compose_fields() -> None:
    text = "docker compose -f a.yml --file=b.yml build --no-cache --push --build-arg X=1 web"
    d = build(text)
    assert d.compose and d.context is None
    assert [w.value for w in d.files] == ["a.yml", "b.yml"]
    assert d.no_cache and d.push
    assert [w.value for w in d.build_args] == ["X=1"]
    assert d.command.words[d.subcommand_index].value == "--no-cache"


def test_sudo_with_docker_global_flags_in_if() -> None:
    d = build("if sudo -E docker -H unix:///x.sock build -t a .; then echo ok; fi")
    assert d.sudo and d.command.context == ("if-cond",)
    assert d.tags[0].value == "a"


def test_powershell_build() -> None:
    text = "& docker.exe build -t $(Build.BuildId) `\n  --cache-from myimg:latest `\n  ."
    found = [d for c in parse_powershell(text) if isinstance(d := parse_docker(c), DockerBuild)]
    assert len(found) == 1
    assert found[0].cache_from[0].get("ref") == "myimg:latest"
    assert found[0].context is not None and found[0].context.value == "."


def test_missing_values_do_not_crash() -> None:
    for text in ("docker build --cache-from", "docker build -t", "docker buildx create --name",
                 "docker compose -f", "docker buildx --builder", "sudo -u"):  # fmt: skip
        for c in parse_bash(text):
            parse_docker(c)
