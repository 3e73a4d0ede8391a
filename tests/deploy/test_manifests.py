"""deploy/: the Kubernetes manifests against Kubernetes' own schemas (vendored by the
kubernetes-validate package: no network), and the compose file's wiring."""

from __future__ import annotations

from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from bot.yamlfile import parse_yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
KUBERNETES = "1.30.0"


def documents() -> list[tuple[str, dict]]:
    docs = []
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc:
                docs.append((f"{path.name}:{doc['kind']}/{doc['metadata']['name']}", doc))
    return docs


@pytest.mark.parametrize(("name", "doc"), documents(), ids=[n for n, _ in documents()])
def test_every_manifest_is_valid_kubernetes(name: str, doc: dict) -> None:
    kubernetes_validate.validate(doc, KUBERNETES, strict=True)  # raises on any error


def test_invalid_manifests_are_caught() -> None:
    bad = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "x"},
        "spec": {"replicas": "two", "selector": {}, "template": {}},
    }
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, KUBERNETES, strict=True)


def test_gateway_and_rasa_are_deployments_with_readiness_probes() -> None:
    deployments = {d["metadata"]["name"]: d for _n, d in documents() if d["kind"] == "Deployment"}
    assert {"gateway", "rasa-a", "rasa-b", "actions"} <= set(deployments)
    for name in ("gateway", "rasa-a", "rasa-b", "actions"):
        container = deployments[name]["spec"]["template"]["spec"]["containers"][0]
        assert "readinessProbe" in container, name
    gateway = deployments["gateway"]["spec"]["template"]["spec"]["containers"][0]
    assert gateway["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert gateway["livenessProbe"]["httpGet"]["path"] == "/healthz"
    config = next(d for _n, d in documents() if d["kind"] == "ConfigMap")["data"]
    services = {d["metadata"]["name"] for _n, d in documents() if d["kind"] == "Service"}
    for url in config["GELDHULP_RASA_URL"].split(","):  # every listed replica has a Service
        assert url.split("//")[1].split(":")[0] in services


def test_secrets_are_placeholders_that_the_gateway_refuses() -> None:
    from bot.settings import SettingsError, load_settings

    secret = next(d for _n, d in documents() if d["kind"] == "Secret")["stringData"]
    env = {k: v for k, v in secret.items() if k.startswith("GELDHULP_")}
    with pytest.raises(SettingsError):
        load_settings({**env, "GELDHULP_ENV": "production"})


def test_compose_wires_two_gateways_two_replicas_and_internal_services() -> None:
    compose = parse_yaml((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"gateway", "rasa-a", "rasa-b", "actions", "postgres", "redis"} <= set(services)
    assert services["gateway"]["deploy"]["replicas"] == 2
    rasa_urls = services["gateway"]["environment"]["GELDHULP_RASA_URL"].split(",")
    assert [u.split("//")[1].split(":")[0] for u in rasa_urls] == ["rasa-a", "rasa-b"]
    for name, service in services.items():  # only the gateway publishes a port, on loopback
        if name != "gateway":
            assert "ports" not in service, name
            assert service.get("networks") == ["internal"], name
    assert all(p.startswith("127.0.0.1:") for p in services["gateway"]["ports"])
    assert compose["networks"]["internal"]["internal"] is True


def test_the_rasa_image_is_the_rasa_environment_and_starts_as_ours() -> None:
    """The image installs what `make env` installs for Rasa (the model wheels too: without them
    our components cannot load) and starts Rasa with the same command as `geldhulp run`."""
    import json
    import re

    from bot.supervise import RASA_COMMAND

    dockerfile = (DEPLOY / "Dockerfile.rasa").read_text(encoding="utf-8").replace("\\\n", " ")
    makefile = (DEPLOY.parent / "Makefile").read_text(encoding="utf-8")
    needed = set(
        re.findall(r"-r (requirements-[a-z]+\.txt)", makefile.split("$(STAMPS)/app-env")[0])
    )
    assert needed == {"requirements-rasa.txt", "requirements-models.txt"}
    run = " ".join(line for line in dockerfile.splitlines() if line.startswith("RUN "))
    for requirements in needed:
        assert f"-r {requirements}" in run, requirements
    assert "--require-hashes -r requirements-models.txt" in run
    (cmd,) = [line for line in dockerfile.splitlines() if line.startswith("CMD ")]
    command = json.loads(cmd.removeprefix("CMD "))
    assert command[1:3] == list(RASA_COMMAND[1:]) and command[3] == "run", command
