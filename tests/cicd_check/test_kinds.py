"""cicd-check tells a file's kind by its name, then by its content."""

from __future__ import annotations

from pathlib import Path

import pytest

from cicd_check import kinds


@pytest.mark.parametrize("name, kind", [
    ("buildspec.yml", "buildspec"), ("ci/buildspec-test.yaml", "buildspec"),
    ("BuildSpec.yml", "buildspec"), ("appspec.yml", "appspec"), ("appspec.json", "appspec"),
    ("Dockerfile", "dockerfile"), ("Dockerfile.lambda", "dockerfile"),
    ("app.Dockerfile", "dockerfile"), ("Containerfile", "dockerfile"),
    ("template.yaml", None), ("buildspec.json", None), ("my-appspec.yml", None),
])
def test_by_name(name: str, kind: str | None) -> None:
    assert kinds.kind_by_name(name) == kind


@pytest.mark.parametrize("text, kind", [
    ("version: 0.2\nphases:\n  build:\n    commands: [make]\n", "buildspec"),
    ("version: 0.2\nbatch:\n  build-list: []\n", "buildspec"),
    ("version: 0.0\nResources:\n  - fn:\n      Type: AWS::Lambda::Function\n", "appspec"),
    ("version: 0.0\nos: linux\nfiles:\n  - source: /\n    destination: /srv\n", "appspec"),
    ("AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n", "template"),
    ("Transform: AWS::Serverless-2016-10-31\nResources:\n"
     "  F:\n    Type: AWS::Serverless::Function\n", "template"),
    ("Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Ref N\n",
     "template"),
    ('{"pipeline": {"name": "p", "stages": []}}', "pipeline"),
    ('{"name": "p", "roleArn": "arn:aws:iam::1:role/r", "stages": []}', "pipeline"),
    ("debug: true\n", None), ("[1, 2]\n", None), ("a: [\n", None),
    ("Resources:\n  B: 1\n", None),
])
def test_by_content(text: str, kind: str | None) -> None:
    assert kinds.sniff("some/file.yml", text) == kind


def test_the_name_wins_and_other_files_are_not_read_as_data() -> None:
    assert kinds.sniff("buildspec.yml", "AWSTemplateFormatVersion: x\n") == "buildspec"
    assert kinds.sniff("notes.txt", "version: 0.2\nphases: {}\n") is None
    assert kinds.sniff("pipeline", '{"pipeline": {"stages": []}}') == "pipeline"  # JSON body


def test_an_unknown_kind_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown kind 'terraform'; choose one of buildspec"):
        kinds.checker("terraform")


def test_json_with_tabs_that_yaml_refuses_is_still_told_by_content() -> None:
    aws_example = (Path(__file__).parent / "data/appspec/aws-docs-lambda.appspec.json").read_text()
    assert "\n \t" in aws_example, "the AWS example indents with tabs"
    assert kinds.sniff("aws-docs-lambda.appspec.json", aws_example) == "appspec"
    assert kinds.sniff("x.json", "{\n\t\"a\": 1}") is None
    assert kinds.sniff("x.json", "[" * 5000 + "]" * 5000) is None
