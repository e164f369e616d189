"""The Kubernetes manifests are valid resources of the Kubernetes API (strict schemas) and
describe the platform: a migration Job, the three services and the worker, each with probes,
resources and an autoscaler."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
VERSION = "1.37.0"


def _documents() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                out.append((path.name, doc))
    return out


DOCS = _documents()


@pytest.mark.parametrize(
    "doc", [d for _, d in DOCS], ids=[f"{n}:{d['kind']}/{d['metadata']['name']}" for n, d in DOCS]
)
def test_each_manifest_is_a_valid_resource(doc: dict[str, Any]) -> None:
    kubernetes_validate.validate(doc, VERSION, strict=True)


def test_the_platform_is_all_there() -> None:
    kinds = {(d["kind"], d["metadata"]["name"]) for _, d in DOCS}
    for name in ("tasks", "indicators", "gateway", "worker"):
        assert ("Deployment", name) in kinds
        assert ("HorizontalPodAutoscaler", name) in kinds
    for name in ("tasks", "indicators", "gateway"):
        assert ("Service", name) in kinds
    assert ("Job", "dudao-migrate") in kinds
    assert ("Secret", "dudao-database") in kinds


def test_every_container_has_probes_and_resources() -> None:
    for _, doc in DOCS:
        if doc["kind"] != "Deployment":
            continue
        spec = doc["spec"]
        assert spec["replicas"] >= 2, doc["metadata"]["name"]
        for c in spec["template"]["spec"]["containers"]:
            assert c["resources"]["requests"] and c["resources"]["limits"], c["name"]
            assert "livenessProbe" in c, c["name"]
            if doc["metadata"]["name"] != "worker":
                assert "readinessProbe" in c, c["name"]
            # Database URLs come from the secret, never written into a manifest.
            refs = [e.get("secretRef", {}).get("name") for e in c.get("envFrom", [])]
            assert "dudao-database" in refs, c["name"]
