"""Check the delivery rules of a publishing workflow: the CD page's examples.

Continuous delivery means every change that reaches main can be released, and
releasing is automatic and boring. For this handbook's publishing workflow that
comes down to a few rules a machine can check.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from snippets.foundations.continuous_integration import triggers

DEPLOY_PERMISSIONS = {"pages": "write", "id-token": "write"}


# --8<-- [start:rules]
def delivery_problems(workflow: Mapping[str, Any], *, branch: str = "main") -> list[str]:
    """What keeps a publishing workflow from being safe continuous delivery; [] if none."""
    if not isinstance(workflow, Mapping):
        return ["workflow: the top level must be a mapping"]
    problems = []
    on = workflow.get("on")
    if "pull_request" in triggers(workflow) or "pull_request_target" in triggers(workflow):
        problems.append("on: a pull request must never publish the site")
    push = on.get("push") if isinstance(on, Mapping) else None
    branches = push.get("branches") if isinstance(push, Mapping) else None
    if branches != [branch]:
        problems.append(f"on.push.branches: publish only from [{branch}], found {branches!r}")

    jobs = workflow.get("jobs")
    if not isinstance(jobs, Mapping) or not jobs:
        return [*problems, "jobs: no jobs to check"]
    deployers = [name for name, job in jobs.items() if _uses(job, "actions/deploy-pages")]
    if not deployers:
        problems.append("jobs: no job deploys with actions/deploy-pages")
    for name in deployers:
        needs = jobs[name].get("needs")
        needs = [needs] if isinstance(needs, str) else needs or []
        if not any(_uses(jobs.get(need), "actions/upload-pages-artifact") for need in needs):
            problems.append(f"jobs.{name}.needs: deploy only what a build job uploaded")
    for name, job in jobs.items():
        granted = job.get("permissions") if isinstance(job, Mapping) else None
        if name not in deployers and isinstance(granted, Mapping) and (
            granted.get("pages") == "write" or granted.get("id-token") == "write"
        ):
            problems.append(f"jobs.{name}.permissions: only the deploy job may publish")
        if name in deployers and granted != DEPLOY_PERMISSIONS:
            problems.append(f"jobs.{name}.permissions: expected exactly {DEPLOY_PERMISSIONS}")
    if workflow.get("permissions") not in ({"contents": "read"}, {}):
        problems.append("permissions: the workflow default should be contents: read")

    concurrency = workflow.get("concurrency")
    if not isinstance(concurrency, Mapping) or concurrency.get("cancel-in-progress") is not False:
        problems.append("concurrency: one deployment at a time, never cancelled half way")
    return problems
# --8<-- [end:rules]


def _uses(job: Any, action: str) -> bool:
    steps = job.get("steps") if isinstance(job, Mapping) else None
    return any(
        isinstance(step, Mapping) and str(step.get("uses", "")).startswith(action + "@")
        for step in (steps if isinstance(steps, list) else ())
    )
