"""sandbox.template: template.yaml read as CloudFormation reads it."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.template import (
    NO_VALUE,
    PhysicalIds,
    StackContext,
    Template,
    TemplateError,
    load_yaml,
    parse_parameter_overrides,
    read_samconfig,
)

FIXTURES = Path(__file__).parent / "fixtures" / "template"
ROOT = Path(__file__).resolve().parents[2]
CONTEXT = StackContext(account_id="123456789012", region="eu-west-1", stack_name="shop")


def fixture_template(**overrides: str) -> Template:
    return Template(FIXTURES / "template.yaml", context=CONTEXT, parameter_overrides=overrides)


def write_template(tmp_path: Path, text: str) -> Template:
    path = tmp_path / "template.yaml"
    path.write_text(text)
    return Template(path, context=CONTEXT)


# -- YAML ------------------------------------------------------------------------------------------
def test_short_form_tags_become_long_form() -> None:
    document = load_yaml(FIXTURES / "template.yaml")

    worker = document["Resources"]["Worker"]["Properties"]
    assert worker["Environment"]["Variables"]["QUEUE"] == {
        "Fn::If": ["HasEmail", {"Ref": "Queue"}, {"Ref": "AWS::NoValue"}]
    }
    assert document["Conditions"]["ProdWithEmail"] == {
        "Fn::And": [{"Condition": "IsProd"}, {"Condition": "HasEmail"}]
    }
    assert document["Resources"]["Table"]["Properties"]["TableName"] == {
        "Fn::Sub": "${AWS::StackName}-${Name}"
    }


def test_get_att_dotted_short_form_is_split(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text("A: !GetAtt Queue.Arn\nB: !GetAtt [Queue, QueueName]\n")

    document = load_yaml(tmp_path / "t.yaml")

    assert document == {"A": {"Fn::GetAtt": ["Queue", "Arn"]}, "B": {"Fn::GetAtt": ["Queue", "QueueName"]}}


def test_invalid_yaml_is_a_template_error(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text("Resources: [unclosed\n")

    with pytest.raises(TemplateError, match="not valid YAML"):
        load_yaml(tmp_path / "t.yaml")


# -- samconfig.toml --------------------------------------------------------------------------------
def test_samconfig_deploy_parameters_win_over_global_ones() -> None:
    config = read_samconfig(FIXTURES / "samconfig.toml", "sandbox")

    assert config.stack_name == "fixture-stack"
    assert config.region == "eu-west-1"
    assert config.parameter_overrides == {"Stage": "prod", "Name": "orders"}


def test_samconfig_list_form_of_parameter_overrides() -> None:
    config = read_samconfig(FIXTURES / "samconfig.toml", "listform")

    assert config.parameter_overrides == {"Stage": "prod", "Email": "ops@example.com"}
    assert config.stack_name is None


def test_samconfig_unknown_environment_is_an_error() -> None:
    with pytest.raises(TemplateError, match=r"no \[staging\.\*\] environment"):
        read_samconfig(FIXTURES / "samconfig.toml", "staging")


def test_missing_samconfig_gives_no_overrides(tmp_path: Path) -> None:
    assert read_samconfig(tmp_path / "samconfig.toml", "sandbox").parameter_overrides == {}


def test_parameter_override_string_keeps_quoted_spaces() -> None:
    assert parse_parameter_overrides("A=1 B='two words' C=") == {"A": "1", "B": "two words", "C": ""}


def test_parameter_override_without_equals_is_rejected() -> None:
    with pytest.raises(TemplateError, match="not KEY=VALUE"):
        parse_parameter_overrides("A=1 oops")


def test_project_samconfig_sandbox_environment_is_readable() -> None:
    config = read_samconfig(ROOT / "samconfig.toml", "sandbox")

    assert config.stack_name
    assert "DrRegion" in config.parameter_overrides


# -- parameters ------------------------------------------------------------------------------------
def test_parameters_take_defaults_then_overrides() -> None:
    template = fixture_template(Stage="prod")

    assert template.parameters["Stage"] == "prod"
    assert template.parameters["Retention"] == "30"  # Ref of a Number parameter is a string
    assert template.parameters["Zones"] == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"Stage": "qa"}, "must be one of AllowedValues"),
        ({"Retention": "0"}, "not less than 1"),
        ({"Retention": "many"}, "must be a number"),
        ({"Name": "Orders"}, "must match pattern"),
        ({"Name": "abcdefghijk"}, "at most 10 characters"),
        ({"Unknown": "x"}, r"\['Unknown'\] do not exist in the template"),
    ],
)
def test_invalid_parameter_values_are_rejected(override: dict[str, str], message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        fixture_template(**override)


def test_parameter_without_default_or_value_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match=r"\[Needed\] must have values"):
        write_template(tmp_path, "Parameters:\n  Needed:\n    Type: String\nResources: {}\n")


# -- conditions ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, {"IsProd": False, "HasEmail": False, "ProdWithEmail": False, "ProdOrEmail": False}),
        ({"Stage": "prod"}, {"IsProd": True, "HasEmail": False, "ProdWithEmail": False, "ProdOrEmail": True}),
        (
            {"Stage": "prod", "Email": "a@b.c"},
            {"IsProd": True, "HasEmail": True, "ProdWithEmail": True, "ProdOrEmail": True},
        ),
    ],
)
def test_conditions_follow_parameters(overrides: dict[str, str], expected: dict[str, bool]) -> None:
    template = fixture_template(**overrides)

    assert {name: template.condition(name) for name in expected} == expected


def test_resource_condition_decides_whether_it_is_active() -> None:
    resources = fixture_template().resources()

    assert not fixture_template().is_active(resources["Queue"])
    assert fixture_template(Email="a@b.c").is_active(resources["Queue"])


def test_condition_referring_to_itself_is_rejected(tmp_path: Path) -> None:
    template = write_template(
        tmp_path, "Conditions:\n  A: !Not [!Condition B]\n  B: !Not [!Condition A]\nResources: {}\n"
    )

    with pytest.raises(TemplateError, match="refers to itself"):
        template.condition("A")


# -- intrinsic functions ---------------------------------------------------------------------------
def deployed() -> PhysicalIds:
    physical = PhysicalIds()
    physical.record("Table", "shop-orders", Arn="arn:aws:dynamodb:eu-west-1:123456789012:table/shop-orders")
    physical.skipped["Queue"] = "condition HasEmail is false"
    return physical


def test_ref_and_pseudo_parameters() -> None:
    template = fixture_template()
    value = {
        "name": {"Ref": "Table"},
        "stage": {"Ref": "Stage"},
        "where": {
            "Fn::Join": [":", [{"Ref": "AWS::Partition"}, {"Ref": "AWS::Region"}, {"Ref": "AWS::AccountId"}]]
        },
        "suffix": {"Ref": "AWS::URLSuffix"},
    }

    assert template.resolve(value, deployed()) == {
        "name": "shop-orders",
        "stage": "dev",
        "where": "aws:eu-west-1:123456789012",
        "suffix": "amazonaws.com",
    }


def test_sub_resolves_parameters_attributes_variables_and_escapes() -> None:
    template = fixture_template()

    text = template.resolve(
        {
            "Fn::Sub": [
                "${AWS::StackName}/${Name}/${Table.Arn}/${Extra}/${!Literal}",
                {"Extra": {"Ref": "Stage"}},
            ]
        },
        deployed(),
    )

    assert text == "shop/orders/arn:aws:dynamodb:eu-west-1:123456789012:table/shop-orders/dev/${Literal}"


def test_select_split_find_in_map_base64_and_get_azs() -> None:
    template = fixture_template(Stage="prod")
    physical = deployed()

    assert template.resolve({"Fn::Select": ["1", {"Ref": "Zones"}]}, physical) == "b"
    assert template.resolve({"Fn::Split": ["/", "a/b/c"]}, physical) == ["a", "b", "c"]
    assert (
        template.resolve({"Fn::FindInMap": ["StageSettings", {"Ref": "Stage"}, "Memory"]}, physical) == 1024
    )
    assert template.resolve({"Fn::Base64": "hi"}, physical) == "aGk="
    assert template.resolve({"Fn::GetAZs": ""}, physical) == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]


def test_if_with_no_value_removes_the_property() -> None:
    template = fixture_template()
    value = {"QUEUE": {"Fn::If": ["HasEmail", {"Ref": "Queue"}, {"Ref": "AWS::NoValue"}]}, "KEEP": "x"}

    assert template.resolve(value, deployed()) == {"KEEP": "x"}
    assert template.resolve([{"Ref": "AWS::NoValue"}, 1], deployed()) == [1]
    assert template.context.pseudo("AWS::NoValue") is NO_VALUE


def test_reference_to_a_skipped_resource_says_why() -> None:
    with pytest.raises(TemplateError, match="Queue was not created \\(condition HasEmail is false\\)"):
        fixture_template().resolve({"Ref": "Queue"}, deployed())


def test_unknown_attribute_lists_the_known_ones() -> None:
    with pytest.raises(TemplateError, match=r"Table\.StreamArn: unknown attribute \(known: Arn\)"):
        fixture_template().resolve({"Fn::GetAtt": ["Table", "StreamArn"]}, deployed())


def test_ref_to_nothing_and_import_value_are_errors() -> None:
    template = fixture_template()

    with pytest.raises(TemplateError, match="Ref Nowhere: no such parameter or resource"):
        template.resolve({"Ref": "Nowhere"}, deployed())
    with pytest.raises(TemplateError, match="Fn::ImportValue is not supported"):
        template.resolve({"Fn::ImportValue": "shared-vpc"}, deployed())


# -- SAM Globals -----------------------------------------------------------------------------------
def test_globals_merge_into_a_function_as_sam_merges_them() -> None:
    template = fixture_template()
    worker = template.resources()["Worker"]

    merged = template.merged_properties(worker)

    assert merged["Runtime"] == "python3.13"  # from Globals
    assert merged["Timeout"] == 90  # the function's own value wins
    assert merged["Layers"] == [{"Ref": "SharedLayer"}, {"Ref": "OtherLayer"}]  # lists: Globals first
    assert merged["Environment"]["Variables"]["STAGE"] == {"Ref": "Stage"}  # maps merge
    assert merged["Environment"]["Variables"]["TABLE"] == "override"


def test_references_include_sub_variables_but_not_parameters() -> None:
    template = fixture_template()
    value = {"a": {"Fn::Sub": "${Table.Arn}-${Stage}-${!Queue}"}, "b": {"Fn::GetAtt": ["SharedLayer", "Arn"]}}

    assert template.references(value) == {"Table", "SharedLayer"}


def test_resources_sam_generates_are_references_to_their_function(tmp_path: Path) -> None:
    template = write_template(
        tmp_path,
        "Resources:\n"
        "  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Events:\n"
        "        Tick:\n          Type: Schedule\n          Properties:\n"
        "            DeadLetterConfig:\n              Type: SQS\n",
    )

    assert template.sam_generated() == {"FnRole": "Fn", "FnTick": "Fn", "FnTickQueue": "Fn"}
    assert template.references({"a": {"Fn::GetAtt": ["FnTick", "Arn"]}, "b": {"Ref": "FnRole"}}) == {"Fn"}


def test_project_template_reads_and_its_conditions_evaluate() -> None:
    template = Template(ROOT / "template.yaml", context=CONTEXT)

    resources = template.resources()
    assert {"PrimaryVault", "DailyPlan", "NotifyFunction", "NotificationQueue"} <= set(resources)
    assert template.condition("HasAlertEmail") is False
