"""cicd_check.appspec: EC2/on-premises, ECS and Lambda AppSpecs, and the hooks per platform."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from cicd_check import appspec as asp
from cicd_check import cli
from cicd_check.findings import RULES
from tests.support.fuzzing import FUZZ, JUNK

REPO = Path(__file__).resolve().parents[2]
REAL = REPO / "tests/cicd_check/data/appspec"
APPSPEC = REPO / "snippets/aws_lambda/appspec.yaml"
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "\n".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]" for p, n in zip("abcdefg", "bcdefgh", strict=True)
)


def ids(text: str) -> list[str]:
    return [finding.id for finding in asp.check_text(text)]


# ---------------------------------------------------------------- appspec_hooks


def test_appspec_hooks_follow_awss_run_order() -> None:
    # AppSpec 'hooks' section, "Run order of hooks": in-place without and with a load
    # balancer, ECS, Lambda; the events CodeDeploy runs itself are not listed.
    assert asp.appspec_hooks("Server") == [
        "ApplicationStop", "BeforeInstall", "AfterInstall", "ApplicationStart", "ValidateService"]
    assert asp.appspec_hooks("Server", load_balancer=True) == [
        "BeforeBlockTraffic", "AfterBlockTraffic", "ApplicationStop", "BeforeInstall",
        "AfterInstall", "ApplicationStart", "ValidateService", "BeforeAllowTraffic",
        "AfterAllowTraffic"]
    assert asp.appspec_hooks("ECS") == asp.appspec_hooks("ECS", load_balancer=True) == [
        "BeforeInstall", "AfterInstall", "AfterAllowTestTraffic", "BeforeAllowTraffic",
        "AfterAllowTraffic"]
    assert asp.appspec_hooks("Lambda") == ["BeforeAllowTraffic", "AfterAllowTraffic"]
    for platform in asp.PLATFORMS:
        listed = set(asp.appspec_hooks(platform, load_balancer=True))
        assert not listed & set(asp.RESERVED_EVENTS[platform]), "CodeDeploy's own events"
    six = set(asp.appspec_hooks("Server", load_balancer=True)) - set(asp.appspec_hooks("Server"))
    assert len(six | {"BlockTraffic", "AllowTraffic"}) == 6, "the six traffic hooks of AWS's note"


@pytest.mark.parametrize("platform", ["EC2", "server", "Lambda ", None, 3, "Serverless"])
def test_appspec_hooks_unknown_platform_names_the_valid_ones(platform) -> None:
    with pytest.raises(ValueError, match="Server, ECS, Lambda"):
        asp.appspec_hooks(platform)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="load_balancer"):
        asp.appspec_hooks("Server", load_balancer="yes")  # type: ignore[arg-type]


def test_the_order_a_file_lists_hooks_in_is_no_error() -> None:
    ecs = (REAL / "aws-docs-ecs-hooks.appspec.yaml").read_text()
    lines = ecs.splitlines()
    hooks = lines[-5:]
    reordered = "\n".join(lines[:-5] + hooks[::-1]) + "\n"
    assert asp.check_text(reordered) == []
    ec2 = ("version: 0.0\nos: linux\nhooks:\n  ValidateService:\n    - location: v.sh\n"
           "  ApplicationStop:\n    - location: s.sh\n"
           "  BeforeBlockTraffic:\n    - location: b.sh\n")
    assert asp.check_text(ec2) == []


# ---------------------------------------------------------------- real files


REAL_FILES = sorted(REAL.iterdir())


def test_there_are_real_files_of_each_platform() -> None:
    platforms = {asp.platform_of(yaml.safe_load(p.read_text()) if p.suffix != ".json"
                                 else json.loads(p.read_text())) for p in REAL_FILES}
    assert platforms == {"Server", "ECS", "Lambda"} and len(REAL_FILES) >= 8


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.name)
def test_real_appspecs_from_aws_pass_with_no_finding(path) -> None:
    text = path.read_text()
    assert "awsdocs/" in text or "aws-samples/" in text or path.suffix == ".json", "origin named"
    assert asp.check_text(text, file=str(path)) == []
    findings, checked, _, unusable = cli.check_paths([str(path)], kind="appspec")
    assert findings == [] and unusable == [] and checked == [(str(path), "appspec")]


def test_the_pages_appspec_is_clean() -> None:
    assert asp.validate_appspec(APPSPEC.read_text()) == []


# The shapes AWS's own AppSpec reference uses: PascalCase YAML, JSON indented with tabs,
# lower-case section and property names, and hooks left out.
AWS_STYLE_APPSPECS = [
    'version: 0.0\nresources:\n  - fn:\n      type: "AWS::Lambda::Function"\n      properties:\n'
    '        name: my-fn\n        alias: live\n        currentversion: "3"\n'
    '        targetversion: "4"\nhooks:\n   - BeforeAllowTraffic: BeforeHook\n',
    'version: 0.0\nResources:\n  - fn:\n      Type: AWS::Lambda::Function\n      Properties:\n'
    '        Name: arn:aws:lambda:us-east-1:123456789012:function:my-fn\n        Alias: live\n'
    '        CurrentVersion: 3\n        TargetVersion: 4\n',
    '{"version": "0.0", "Resources": [{"MyFunction": {"Properties": {"Alias": "deployed", '
    '"CurrentVersion": "122", "Name": "some_function_name", "TargetVersion": "123"}, '
    '"Type": "AWS::Lambda::Function"}}]}',
]


@pytest.mark.parametrize("text", AWS_STYLE_APPSPECS, ids=["lower", "arn", "json-string-version"])
def test_validate_appspec_accepts_what_aws_accepts(text) -> None:
    assert asp.validate_appspec(text) == []
    assert asp.check_text(text) == []


# ---------------------------------------------------------------- each problem, by rule


def _lambda(**changes: str) -> str:
    text = APPSPEC.read_text()
    for old, new in changes.items():
        text = text.replace(old, new)
    return text


EC2 = (REAL / "aws-docs-ec2-linux.appspec.yml").read_text()
ECS = (REAL / "aws-codepipeline-tutorial-ecs.appspec.yaml").read_text()


@pytest.mark.parametrize(
    ("text", "rule", "message"),
    [
        (_lambda(BeforeAllowTraffic="BeforeInstall"), "AS010", "'BeforeInstall' cannot run a hook"),
        (_lambda(AfterAllowTraffic="ApplicationStart"), "AS010", "only BeforeAllowTraffic"),
        (_lambda(AfterAllowTraffic="BeforeAllowTraffic"), "AS010", "appears twice"),
        (_lambda(AfterAllowTraffic="AfterAlowTraffic"), "AS010",
         "did you mean 'AfterAllowTraffic'"),
        (_lambda(**{'TargetVersion: "7"': 'TargetVersion: "$LATEST"'}), "AS008", "TargetVersion"),
        (_lambda(**{'CurrentVersion: "6"': "CurrentVersion: live"}), "AS008",
         "not a published version"),
        (_lambda(**{'CurrentVersion: "6"': 'CurrentVersion: "0"'}), "AS008", "start at 1"),
        (_lambda(**{'CurrentVersion: "6"': "CurrentVersion: 6.5"}), "AS008",
         "not a published version"),
        (_lambda(**{'Alias: "live"': 'Alias: "7"'}), "AS008", "not an alias name"),
        (_lambda(**{'Name: "orders-api"': "Name: orders api!"}), "AS008", "not a function name"),
        (_lambda(**{"        Alias: \"live\"\n": ""}), "AS007", "Alias: required"),
        (_lambda(**{'CurrentVersion: "6"': 'CurrentVersion: "7"'}), "AS009",
         "equals CurrentVersion"),
        (_lambda(**{"version: 0.0": "version: 1.0"}), "AS004", "is not 0.0"),
        (_lambda(**{"version: 0.0\n": ""}), "AS004", "version: missing"),
        (_lambda(**{"Type: AWS::Lambda::Function": "Type: AWS::Lambda::Alias"}), "AS006",
         "must be AWS::Lambda::Function"),
        (_lambda(**{'"CodeDeployHook_ordersPreTraffic"': "[a, b]"}), "AS012",
         "not a function name"),
        (_lambda(**{'Name: "orders-api"': "Name: !Ref OrdersApi"}), "AS002",
         "CloudFormation syntax in an AppSpec"),
        (_lambda() + "Extra: 1\n", "AS005", "Extra: not an AppSpec key for Lambda"),
        (_lambda() + "Hooks: []\n", "AS003", "appears twice, on lines"),
        ("version: 0.0\nResources: []\n", "AS006", "exactly one Lambda function"),
        ("version: 0.0\nResources:\n  - a: 1\n", "AS006", "expected Type and Properties"),
        ("version: 0.0\nResources:\n  - a:\n      Type: AWS::Lambda::Function\n", "AS007",
         "Properties: missing"),
        ("version: 0.0\nResources:\n  - a:\n      Properties: {}\n", "AS006", "Type: required"),
        ("version: 0.0\nResources:\n  - [1]\n", "AS006", "expected one '<logical name>:'"),
        ("version: 0.0\nHooks:\n  - BeforeAllowTraffic: f\n", "AS006", "Resources: missing"),
        ("version: 0.0\nResources: []\nHooks:\n  BeforeAllowTraffic: f\n", "AS012",
         "expected a list"),
        ("version: 0.0\nResources: []\nHooks:\n  - f\n", "AS012", "one '<event>: <function>'"),
        ('{"version": 0.0, "Resources": [{"f": {"Type": "AWS::Lambda::Function", "Properties": '
         '{"Name": {"Fn::Sub": "${Fn}"}, "Alias": "a", "CurrentVersion": 1, '
         '"TargetVersion": 2}}}]}',
         "AS002", "Fn::Sub"),
        # ECS
        (ECS.replace("ContainerPort: 80", "ContainerPort: http"), "AS008", "not a port number"),
        (ECS.replace("ContainerPort: 80", "ContainerPort: 70000"), "AS008", "not a port number"),
        (ECS.replace("ContainerPort: 80", 'ContainerPort: "80"'), "AS008", "is a string"),
        (ECS.replace("          ContainerPort: 80\n", ""), "AS007", "ContainerPort: required"),
        (ECS.replace('          ContainerName: "sample-website"\n', ""), "AS007",
         "ContainerName: required"),
        (ECS.replace('ContainerName: "sample-website"', "ContainerName: ''"), "AS008",
         "not a container name"),
        (ECS.replace("        TaskDefinition: <TASK_DEFINITION>\n", ""), "AS007",
         "TaskDefinition: required"),
        (ECS.replace("TaskDefinition: <TASK_DEFINITION>", "TaskDefinition: 5"), "AS008",
         "not a task definition ARN"),
        (ECS.replace('          ContainerName: "sample-website"\n          ContainerPort: 80',
                     '          - ContainerName: "sample-website"\n            ContainerPort: 80'),
         "AS008", "The AppSpec file must be valid JSON or YAML"),
        (ECS.replace("        LoadBalancerInfo:", "        LoadBalancerInfo: null\n        X:"),
         "AS007", "LoadBalancerInfo: required"),
        (ECS.replace("Type: AWS::ECS::Service", "Type: AWS::ECS::TaskSet"), "AS006",
         "must be AWS::ECS::Service"),
        (ECS + "        PlatformVersoin: LATEST\n", "AS005", "did you mean 'PlatformVersion'"),
        (ECS + "        NetworkConfiguration:\n          AwsvpcConfiguration:\n"
               "            Subnets: [subnet-1]\n", "AS008", "all or none"),
        (ECS + "        NetworkConfiguration:\n          AwsvpcConfiguration:\n"
               "            Subnets: subnet-1\n            SecurityGroups: [sg-1]\n"
               "            AssignPublicIp: yes\n", "AS008", "ENABLED or DISABLED"),
        (ECS + "        NetworkConfiguration:\n          AwsvpcConfiguration:\n"
               "            Subnets: subnet-1\n            SecurityGroups: [sg-1]\n"
               "            AssignPublicIp: ENABLED\n", "AS008", "expected a list of IDs"),
        (ECS + "        NetworkConfiguration: [1]\n", "AS008", "expected AwsvpcConfiguration"),
        (ECS + "Hooks:\n  - ValidateService: f\n", "AS010", "an ECS deployment"),
        (ECS + "Hooks:\n  - Install: f\n", "AS010", "cannot run a hook"),
        # EC2/on-premises
        (EC2.replace("version: 0.0", "version: '0.0'"), "AS004",
         "an invalid version value (0.0) was entered"),
        (EC2.replace("version: 0.0", "Version: 0.0"), "AS004", "reads lower-case keys"),
        (EC2.replace("os: linux", "os: ubuntu"), "AS014", "unsupported operating system (ubuntu)"),
        (EC2.replace("os: linux\n", ""), "AS014", "os: missing"),
        (EC2.replace("hooks:", "Hooks:"), "AS005", "only 'hooks' (lower case)"),
        (EC2.replace("files:", "file:"), "AS005", "did you mean 'files'"),
        (EC2.replace("  ApplicationStart:", "  ApplicationStrat:"), "AS011",
         "did you mean 'ApplicationStart'"),
        (EC2.replace("  ApplicationStart:", "  Install:"), "AS011", "run by CodeDeploy itself"),
        (EC2.replace("location: Scripts/RunResourceTests.sh", "location: /opt/app/test.sh"),
         "AS013", "Script does not exist at specified location"),
        (EC2.replace("    - location: Scripts/RunResourceTests.sh\n", "    - timeout: 5\n"),
         "AS012", "a script with no location value"),
        (EC2.replace("timeout: 180", "timeout: 0"), "AS012", "an invalid timeout value"),
        (EC2.replace("timeout: 180", "timeout: soon"), "AS012", "an invalid timeout value"),
        (EC2.replace("timeout: 180", "timout: 180"), "AS005", "did you mean 'timeout'"),
        (EC2.replace("  AfterInstall:\n    - location: Scripts/RunResourceTests.sh\n"
                     "      timeout: 180\n", "  AfterInstall: Scripts/RunResourceTests.sh\n"),
         "AS012", "expected a list"),
        (EC2.replace("    - location: Scripts/RunResourceTests.sh\n      timeout: 180\n",
                     "    - Scripts/RunResourceTests.sh\n"), "AS012", "expected a mapping"),
        (EC2 + "    - location: Scripts/More.sh\n      timeout: 3000\n", "AS019", "add up to 6600"),
        (EC2.replace("os: linux", "os: windows"), "AS018", "do not support runas"),
        (EC2.replace("hooks:\n", "hooks: all\nx:\n"), "AS012", "expected a mapping of lifecycle"),
        (EC2 + "permissions:\n  - owner: root\n", "AS016", "has no object value"),
        (EC2 + "permissions:\n  - object: /w\n    type: [file, link]\n", "AS016",
         "'link' is not file or directory"),
        (EC2 + "permissions:\n  - object: /w\n    mode: 0755\n", "AS016",
         "read as the octal number 493"),
        (EC2 + "permissions:\n  - object: /w\n    mode: 0644  # rw-r--r--\n", "AS017",
         "applies mode 420, not 0644"),
        (EC2 + "permissions:\n  - object: /w\n    mode: 99999\n", "AS016", "1-4 octal digits"),
        (EC2 + "permissions:\n  - object: /w\n    mode: [7]\n", "AS016", "not a mode"),
        (EC2 + "permissions:\n  - object: /w\n    mod: 644\n", "AS005", "not a permissions key"),
        (EC2 + "permissions: {object: /w}\n", "AS016", "expected a list"),
        (EC2 + "permissions:\n  - /w\n", "AS016", "expected a mapping"),
        (EC2.replace("os: linux", "os: windows") + "permissions:\n  - object: c:\\w\n", "AS016",
         "targeting one or more Windows Server instances"),
        (EC2.replace("  - source: source\n", "  - src: source\n"), "AS015", "source: required"),
        (EC2.replace("destination: /webapps/myApp", "destination: 5"), "AS015", "is not a path"),
        (EC2.replace("  - source: source\n", "  - source: source\n    mode: 644\n"), "AS005",
         "not a files key"),
        (EC2.replace("  - source: source\n    destination: /webapps/myApp\n", "  - source\n"),
         "AS015", "expected a mapping"),
        (EC2.replace("files:\n  - source: Config/config.txt\n    destination: /webapps/Config\n"
                     "  - source: source\n    destination: /webapps/myApp\n", "files: all\n"),
         "AS015", "expected a list"),
        # not an AppSpec at all
        ("- a\n- b\n", "AS001", "expected a mapping"),
        ("", "AS001", "got an empty file"),
        ("version: [\n", "AS001", "not valid YAML"),
        ("{not json", "AS001", "not valid JSON"),
        ("a: !!python/object/apply:os.system [echo]\n", "AS001", "not valid YAML"),
        (BOMB, "AS001", "alias bomb"),
        ("x" * 1_000_001, "AS001", "more than 1,000,000"),
    ],
)
def test_each_problem_is_named_with_its_rule_and_line(text, rule, message) -> None:
    found = asp.check_text(text, file="appspec.yml")
    matching = [f for f in found if f.id == rule and message in f]
    assert matching, [(f.id, str(f)) for f in found]
    finding = matching[0]
    assert finding.file == "appspec.yml"
    assert finding.line is not None or rule == "AS001"
    assert RULES[rule].page == "appspec" and RULES[rule].source.startswith(
        "https://docs.aws.amazon.com/")
    if RULES[rule].severity.value == "error" and finding.is_error:
        assert finding in asp.validate_appspec(text)
    else:
        assert finding not in asp.validate_appspec(text), "validate_appspec returns errors only"


def test_lines_point_at_the_broken_value() -> None:
    text = EC2.replace("timeout: 180", "timeout: -1")
    (finding,) = asp.check_text(text)
    assert text.splitlines()[finding.line - 1].strip() == "timeout: -1"
    text = _lambda(**{'TargetVersion: "7"': 'TargetVersion: "$LATEST"'})
    (finding,) = asp.validate_appspec(text)
    assert "TargetVersion" in text.splitlines()[finding.line - 1]


def test_validate_appspec_on_non_text() -> None:
    (finding,) = asp.validate_appspec(b"version: 0.0")
    assert finding.id == "AS001" and "expected text, got bytes" in finding


def test_platform_is_told_by_content() -> None:
    assert asp.platform_of({"version": 0.0, "os": "linux"}) == "Server"
    assert asp.platform_of({"version": 0.0}) == "Server"
    assert asp.platform_of({"Resources": [{"t": {"Type": "AWS::ECS::Service"}}]}) == "ECS"
    assert asp.platform_of({"resources": [{"f": {"type": "AWS::Lambda::Function"}}]}) == "Lambda"
    assert asp.platform_of({"Hooks": [{"AfterAllowTestTraffic": "f"}]}) == "ECS"
    assert asp.platform_of({"Hooks": [{"BeforeAllowTraffic": "f"}]}) == "Lambda"


# ---------------------------------------------------------------- fuzzing


JSONABLE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)
BAD_VALUES = JUNK | st.sampled_from(["", "$LATEST", "0", "-1", "0755", "ENABLED ", "!Ref X",
                                     "\ud800", "9" * 5000, "linux\n"])


def _set(document: dict, path: tuple, value: object) -> dict:
    target = document
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return document


LAMBDA_DOC = {"version": 0.0, "Resources": [{"fn": {"Type": "AWS::Lambda::Function",
              "Properties": {"Name": "f", "Alias": "live", "CurrentVersion": "1",
                             "TargetVersion": "2"}}}],
              "Hooks": [{"BeforeAllowTraffic": "CodeDeployHook_pre"}]}
ECS_DOC = {"version": 0.0, "Resources": [{"TargetService": {"Type": "AWS::ECS::Service",
           "Properties": {"TaskDefinition": "<TASK_DEFINITION>", "LoadBalancerInfo": {
               "ContainerName": "web", "ContainerPort": 80}}}}],
           "Hooks": [{"AfterAllowTestTraffic": "CodeDeployHook_test"}]}
EC2_DOC = {"version": 0.0, "os": "linux", "files": [{"source": "/", "destination": "/app"}],
           "permissions": [{"object": "/app", "mode": 644, "type": ["file"]}],
           "hooks": {"ApplicationStart": [{"location": "start.sh", "timeout": 60,
                                           "runas": "root"}]}}
PATHS = {
    "Lambda": [("version",), ("Resources",), ("Resources", 0, "fn", "Type"),
               ("Resources", 0, "fn", "Properties"),
               *[("Resources", 0, "fn", "Properties", k) for k in asp.LAMBDA_PROPERTIES],
               ("Hooks",), ("Hooks", 0), ("Hooks", 0, "BeforeAllowTraffic")],
    "ECS": [("Resources", 0, "TargetService", "Properties", "TaskDefinition"),
            ("Resources", 0, "TargetService", "Properties", "LoadBalancerInfo"),
            ("Resources", 0, "TargetService", "Properties", "LoadBalancerInfo", "ContainerPort"),
            ("Resources", 0, "TargetService", "Properties", "LoadBalancerInfo", "ContainerName"),
            ("Resources", 0, "TargetService", "Properties", "NetworkConfiguration"),
            ("Hooks", 0, "AfterAllowTestTraffic"), ("Hooks",)],
    "Server": [("version",), ("os",), ("files",), ("files", 0), ("files", 0, "source"),
               ("permissions",), ("permissions", 0, "mode"), ("permissions", 0, "type"),
               ("permissions", 0, "object"), ("hooks",), ("hooks", "ApplicationStart"),
               ("hooks", "ApplicationStart", 0, "location"),
               ("hooks", "ApplicationStart", 0, "timeout"), ("file_exists_behavior",)],
}
DOCS = {"Lambda": LAMBDA_DOC, "ECS": ECS_DOC, "Server": EC2_DOC}


@pytest.mark.parametrize("platform", sorted(DOCS))
def test_the_fuzzers_base_documents_are_clean(platform) -> None:
    for dump in (yaml.safe_dump, json.dumps):
        assert asp.check_text(dump(DOCS[platform])) == []


@FUZZ
@given(data=st.data(), platform=st.sampled_from(sorted(DOCS)), bad=BAD_VALUES,
       as_json=st.booleans())
def test_well_formed_appspecs_with_one_bad_value_never_crash(data, platform, bad,
                                                             as_json) -> None:
    path = data.draw(st.sampled_from(PATHS[platform]))
    document = _set(json.loads(json.dumps(DOCS[platform])), path, bad)
    try:
        text = json.dumps(document) if as_json else yaml.safe_dump(document, allow_unicode=True)
    except (TypeError, ValueError, UnicodeEncodeError, yaml.YAMLError):
        return  # bytes and floats like nan cannot be written as an AppSpec at all
    found = asp.check_text(text, file="appspec.yml")
    assert all(f.id.startswith("AS") and f.file == "appspec.yml" for f in found)
    assert set(asp.validate_appspec(text)) <= set(found)


@FUZZ
@given(text=st.text(max_size=300) | st.builds(json.dumps, st.dictionaries(st.text(max_size=8),
                                                                          JSONABLE, max_size=4)))
def test_any_text_gives_findings_not_exceptions(text) -> None:
    assert all(isinstance(f, str) for f in asp.check_text(text))


@pytest.mark.parametrize("text", ["[" * 3000 + "]" * 3000, "a:\n" + "  - " * 2000 + "x\n",
                                  "version: " + "9" * 6000, "version: 0.0\nos: \ud800\n",
                                  '{"version": 1' + "0" * 5000 + "}"])
def test_hostile_input_is_a_finding(text) -> None:
    assert all(isinstance(f, str) for f in asp.check_text(text))
