"""cicd-check: offline checks for the files that take code from a commit to AWS.

Buildspecs, CodePipeline declarations, CodeDeploy AppSpecs, CloudFormation and SAM
templates, Lambda Dockerfiles, function URL permissions: each checked the way AWS would
read it, with no AWS account, credentials or network. The command is ``cicd-check``
(:mod:`cicd_check.cli`); the checkers' public functions are importable from here.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# Public name -> the module that defines it (each is defined exactly once, there).
PUBLIC: dict[str, str] = {
    "validate_buildspec": "cicd_check.buildspec",
    "run_buildspec": "cicd_check.runner",
    "validate_pipeline": "cicd_check.pipeline",
    "execution_plan": "cicd_check.pipeline",
    "validate_appspec": "cicd_check.appspec",
    "appspec_hooks": "cicd_check.appspec",
    "traffic_schedule": "cicd_check.traffic",
    "evaluate": "cicd_check.url_auth",
    "check_function_config": "cicd_check.function_config",
    "check_project": "cicd_check.project",
    "check_dockerfile": "cicd_check.dockerfile",
    "translate_sam": "cicd_check.sam",
    "eb_policy": "cicd_check.beanstalk",
    "eb_deployment": "cicd_check.beanstalk",
    "Finding": "cicd_check.findings",
    "Rule": "cicd_check.findings",
    "RULES": "cicd_check.findings",
}
__all__ = sorted(PUBLIC)


def __getattr__(name: str) -> Any:
    """Import a checker only when it is used: ``import cicd_check`` stays fast."""
    if name in PUBLIC:
        return getattr(importlib.import_module(PUBLIC[name]), name)
    raise AttributeError(f"module 'cicd_check' has no attribute {name!r}")
