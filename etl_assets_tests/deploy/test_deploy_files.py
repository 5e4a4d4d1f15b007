"""What can be checked of the deployment without Kubernetes or Docker (neither runs here): the
Helm values parse and use only keys Dagster's chart documents; the Dockerfile installs the same
lock the tests run on, copies files that exist, and serves the module the values point at."""

from __future__ import annotations

import re
import tomllib

import yaml

from etl_assets.settings import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"

# Key paths documented by Dagster's chart (dagster-io/dagster helm/dagster/values.yaml and its
# pydantic schema helm/dagster/schema/schema/charts/dagster/subschema/*.py), for the sections used
# here. "*" is any list item; a path ending in "/" takes free-form content (env lists, resources).
DOCUMENTED = {
    "global/postgresqlSecretName", "global/dagsterHome", "global/serviceAccountName",
    "generatePostgresqlPasswordSecret",
    "postgresql/enabled", "postgresql/postgresqlHost", "postgresql/postgresqlUsername",
    "postgresql/postgresqlPassword", "postgresql/postgresqlDatabase", "postgresql/postgresqlParams/",
    "postgresql/postgresqlScheme", "postgresql/service/port", "postgresql/image/",
    "dagster-user-deployments/enabled", "dagster-user-deployments/enableSubchart",
    "dagster-user-deployments/deployments/*/name", "dagster-user-deployments/deployments/*/image/repository",
    "dagster-user-deployments/deployments/*/image/tag", "dagster-user-deployments/deployments/*/image/pullPolicy",
    "dagster-user-deployments/deployments/*/dagsterApiGrpcArgs", "dagster-user-deployments/deployments/*/port",
    "dagster-user-deployments/deployments/*/includeConfigInLaunchedRuns/enabled",
    "dagster-user-deployments/deployments/*/env/", "dagster-user-deployments/deployments/*/envSecrets/",
    "dagster-user-deployments/deployments/*/envConfigMaps/", "dagster-user-deployments/deployments/*/resources/",
    "runLauncher/type", "runLauncher/config/k8sRunLauncher/imagePullPolicy",
    "runLauncher/config/k8sRunLauncher/jobNamespace", "runLauncher/config/k8sRunLauncher/loadInclusterConfig",
    "runLauncher/config/k8sRunLauncher/envSecrets/", "runLauncher/config/k8sRunLauncher/envConfigMaps/",
    "runLauncher/config/k8sRunLauncher/envVars/", "runLauncher/config/k8sRunLauncher/volumeMounts/",
    "runLauncher/config/k8sRunLauncher/volumes/", "runLauncher/config/k8sRunLauncher/failPodOnRunFailure",
    "runLauncher/config/k8sRunLauncher/resources/", "runLauncher/config/k8sRunLauncher/runK8sConfig/",
    "dagsterDaemon/enabled", "dagsterDaemon/runCoordinator/enabled", "dagsterDaemon/runCoordinator/type",
    "dagsterDaemon/runCoordinator/config/queuedRunCoordinator/maxConcurrentRuns",
    "dagsterDaemon/runCoordinator/config/queuedRunCoordinator/tagConcurrencyLimits/*/key",
    "dagsterDaemon/runCoordinator/config/queuedRunCoordinator/tagConcurrencyLimits/*/value/applyLimitPerUniqueValue",
    "dagsterDaemon/runCoordinator/config/queuedRunCoordinator/tagConcurrencyLimits/*/limit",
    "dagsterDaemon/runCoordinator/config/queuedRunCoordinator/dequeueIntervalSeconds",
    "dagsterDaemon/runMonitoring/", "dagsterDaemon/runRetries/", "dagsterDaemon/sensors/useThreads",
    "dagsterDaemon/sensors/numWorkers", "dagsterDaemon/schedules/useThreads", "dagsterDaemon/schedules/numWorkers",
    "dagsterDaemon/envSecrets/", "dagsterWebserver/replicaCount",
}


def _paths(node, prefix: str = "") -> list[str]:
    if any(prefix.endswith("/") and prefix == p for p in DOCUMENTED):
        return [prefix]
    if isinstance(node, dict):
        out = []
        for key, value in node.items():
            path = f"{prefix}{key}"
            out += [path + "/"] if path + "/" in DOCUMENTED else _paths(value, path + "/")
        return out
    if isinstance(node, list) and node and isinstance(node[0], dict):
        return [p for item in node for p in _paths(item, prefix + "*/")]
    return [prefix.rstrip("/")]


def test_helm_values_parse_and_use_only_documented_keys():
    values = yaml.safe_load((DEPLOY / "helm" / "values.yaml").read_text())
    used = set(_paths(values))
    assert used - DOCUMENTED == set()
    assert values["runLauncher"]["type"] == "K8sRunLauncher" and values["postgresql"]["enabled"] is False
    (deployment,) = values["dagster-user-deployments"]["deployments"]
    assert deployment["dagsterApiGrpcArgs"] == ["-m", "etl_assets.orchestration.definitions"]
    secrets = {s["name"] for s in deployment["envSecrets"]}
    assert secrets == {s["name"] for s in values["runLauncher"]["config"]["k8sRunLauncher"]["envSecrets"]}
    assert "PASSWORD" not in yaml.safe_dump(deployment["env"]).upper()  # secrets only by Secret name


def test_dockerfile_installs_the_lock_and_serves_the_code_location():
    text = (DEPLOY / "Dockerfile").read_text()
    installs = re.findall(r"pip install ([^\n&]+)", text)
    assert installs and all("-c requirements.lock" in i for i in installs)
    for sources in re.findall(r"^COPY (.+) \S+$", text, flags=re.M):
        for source in sources.split():
            assert (PROJECT_ROOT / source).exists(), source
    python = re.search(r"^FROM python:(\d+)\.(\d+)", text, flags=re.M)
    requires = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert python and requires == ">=3.11,<3.13" and (3, 11) <= (int(python[1]), int(python[2])) < (3, 13)
    assert '"-m", "etl_assets.orchestration.definitions"' in text
    from etl_assets.orchestration.definitions import defs  # the module the image and the values serve loads

    assert defs.get_repository_def().get_all_jobs()
