"""A CDK app in Python: a function, its alias and a CodeDeploy canary; and the pipeline that
deploys it with CDK Pipelines.

Importing this module starts the jsii kernel (Node.js), which takes seconds: the tests import
it once, in a session fixture, and synthesise the app once (tests/tooling/test_cdk.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

# --8<-- [start:stack]
import aws_cdk as cdk
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_lambda as lambda_
from aws_cdk import pipelines
from constructs import Construct

HANDLER = "def handler(event, context):\n    return {'statusCode': 200, 'body': 'ok'}\n"


class OrdersStack(cdk.Stack):
    """The function, a `live` alias on its current version, and a canary release of it."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        function = lambda_.Function(
            self, "Orders",
            runtime=lambda_.Runtime.PYTHON_3_13,
            handler="index.handler",
            code=lambda_.Code.from_inline(HANDLER),
        )
        # current_version publishes a new version whenever the code or configuration changes
        alias = lambda_.Alias(self, "Live", alias_name="live", version=function.current_version)
        codedeploy.LambdaDeploymentGroup(
            self, "Release",
            alias=alias,
            deployment_config=codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_5_MINUTES,
        )
# --8<-- [end:stack]


# --8<-- [start:pipeline]
CONNECTION_ARN = ("arn:aws:codeconnections:us-east-1:123456789012:connection/"
                  "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d")
ENV = cdk.Environment(account="123456789012", region="us-east-1")


class OrdersStage(cdk.Stage):
    """What one environment deploys: here, the orders stack."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        OrdersStack(self, "Orders")


class PipelineStack(cdk.Stack):
    """A self-mutating pipeline: source, `cdk synth`, update itself, then deploy each stage."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        pipeline = pipelines.CodePipeline(
            self, "Pipeline",
            synth=pipelines.ShellStep(
                "Synth",
                input=pipelines.CodePipelineSource.connection(
                    "example/orders", "main", connection_arn=CONNECTION_ARN),
                commands=["pip install -r requirements.txt", "npx cdk synth"],
            ),
        )
        pipeline.add_stage(OrdersStage(self, "Prod", env=ENV),
                           pre=[pipelines.ManualApprovalStep("PromoteToProd")])
# --8<-- [end:pipeline]


# --8<-- [start:app]
def build_app(outdir: Path | str) -> cdk.App:
    """The app `cdk synth` runs (app.py calls this, then app.synth())."""
    app = cdk.App(outdir=str(outdir))
    OrdersStack(app, "Orders", env=ENV)
    PipelineStack(app, "OrdersPipeline", env=ENV)
    return app
# --8<-- [end:app]
