"""AWS SAM: what the transform makes of a template, and what `sam` reads from samconfig.toml.

The translator is AWS's own (aws-sam-translator), run offline by cicd_check.translate_sam:
the resources listed here are the ones CloudFormation would create on deploy.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from cicd_check import translate_sam

HERE = Path(__file__).parent
TEMPLATE = HERE / "template.yaml"
SAMCONFIG = HERE / "samconfig.toml"


# --8<-- [start:generated]
def generated(template_text: str) -> dict[str, str]:
    """Logical ID -> type of every resource the SAM transform adds to the template."""
    from cicd_check.safe_yaml import load_yaml

    written = load_yaml(template_text, flavor="cloudformation", what="template")["Resources"]
    made = translate_sam(template_text)["Resources"]
    return {name: resource["Type"] for name, resource in made.items() if name not in written}
# --8<-- [end:generated]


# --8<-- [start:samconfig]
def command_parameters(samconfig_text: str, command: str, env: str = "default") -> dict[str, Any]:
    """What `sam <command> --config-env <env>` reads: the env's global, then its command's.

    Command names use underscores (`local_invoke` for `sam local invoke`); a value given
    on the command line wins over both.
    """
    config = tomllib.loads(samconfig_text)
    if env not in config:
        have = sorted(set(config) - {"version"})
        raise KeyError(f"samconfig: no environment [{env}] (have {have})")
    section = config[env]
    merged = dict(section.get("global", {}).get("parameters", {}))
    merged.update(section.get(command, {}).get("parameters", {}))
    return merged
# --8<-- [end:samconfig]
