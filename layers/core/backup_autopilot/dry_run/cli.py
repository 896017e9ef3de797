"""The dry run's command line and read-only wiring (a composition root of its own)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shlex
import sys
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from backup_autopilot.adapters.backup import BackupGateway
from backup_autopilot.adapters.report_sources import BackupReadings
from backup_autopilot.logic.copies.destinations import stack_destinations
from backup_autopilot.logic.dry_run import DryRun, DryRunInputs, VaultFacts, dry_run
from backup_autopilot.logic.plan_catalogue import parse_listed
from backup_autopilot.logic.protection import Plan
from backup_autopilot.logic.resources import TaggedResource, parse_resource_arn
from backup_autopilot.logic.schedules import interval_of

if TYPE_CHECKING:
    from collections.abc import Sequence

#: the template's parameter defaults the dry run reads (template.yaml's Parameters)
DEFAULTS = {
    "PlanTagKey": "backup-plan",
    "CopyToTagKey": "backup-copy-to",
    "RestoreTestTagKey": "backup-restore-test",
    "RestoreTestDefault": "off",
    "DrRegion": "us-west-2",
    "DrVaultName": "backup-autopilot-dr",
    "CrossAccountVaultArn": "",
    "CopyRetentionDays": "35",
    "AllowOptIn": "false",
    "AssignablePlans": "",
    "AssignablePlanVaults": "",
}
#: the template's plans (alias -> schedule), for a stack not deployed yet
TEMPLATE_PLANS = {"daily": "cron(0 5 ? * * *)", "weekly": "cron(0 5 ? * 1 *)", "monthly": "cron(0 5 1 * ? *)"}


def _parameters(args: argparse.Namespace) -> dict[str, str]:
    values = dict(DEFAULTS)
    items = shlex.split(args.params or "") + list(args.param or [])
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or key not in DEFAULTS:
            raise SystemExit(f"dry run: unknown parameter {item!r} (known: {', '.join(sorted(DEFAULTS))})")
        values[key] = value
    return values


class ReadOnlyAccount:
    """The account as the dry run reads it (List, Get and Describe calls only)."""

    def __init__(self, session: boto3.Session, region: str) -> None:
        self.session = session
        self.region = region
        self.backup = session.client("backup", region_name=region)
        self.readings = BackupReadings(
            self.backup,
            session.client("resourcegroupstaggingapi", region_name=region),
            session.client("s3", region_name=region),
        )

    def account(self) -> str:
        return str(self.session.client("sts", region_name=self.region).get_caller_identity()["Account"])

    def stack_plans(self, stack: str) -> dict[str, str]:
        """The deployed stack's plans: plan id -> alias (``<stack>-daily`` ...)."""
        found: dict[str, str] = {}
        for page in self.backup.get_paginator("list_backup_plans").paginate():
            for plan in page["BackupPlansList"]:
                for alias in TEMPLATE_PLANS:
                    if plan.get("BackupPlanName") == f"{stack}-{alias}":
                        found[plan["BackupPlanId"]] = alias
        return found

    def count_plans_and_vaults(self) -> tuple[int, int]:
        plans = sum(
            len(p["BackupPlansList"]) for p in self.backup.get_paginator("list_backup_plans").paginate()
        )
        vaults = sum(
            len(p["BackupVaultList"]) for p in self.backup.get_paginator("list_backup_vaults").paginate()
        )
        return plans, vaults

    def selections(self, plan_id: str) -> int:
        return sum(
            len(p["BackupSelectionsList"])
            for p in self.backup.get_paginator("list_backup_selections").paginate(BackupPlanId=plan_id)
        )

    def vault(self, key: str, vault_arn: str, own_account: str) -> VaultFacts:
        account, region = key.split(":", 1)
        if account != own_account:
            return VaultFacts(key, vault_arn, None)
        name = vault_arn.rsplit(":", 1)[-1]
        try:
            found = self.session.client("backup", region_name=region).describe_backup_vault(
                BackupVaultName=name
            )
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code in {"ResourceNotFoundException", "AccessDeniedException"}:
                return VaultFacts(key, vault_arn, False if code == "ResourceNotFoundException" else None)
            raise
        return VaultFacts(
            key,
            vault_arn,
            True,
            locked=bool(found.get("Locked")),
            min_retention_days=found.get("MinRetentionDays"),
            max_retention_days=found.get("MaxRetentionDays"),
        )

    def tags_of(self, arn: str) -> dict[str, str]:
        tagging = self.session.client("resourcegroupstaggingapi", region_name=self.region)
        listed = tagging.get_resources(ResourceARNList=[arn]).get("ResourceTagMappingList", [])
        return {t["Key"]: t["Value"] for item in listed for t in item.get("Tags", [])}


def gather(args: argparse.Namespace, account: ReadOnlyAccount) -> DryRunInputs:
    params = _parameters(args)
    own = account.account()
    stack_plans = account.stack_plans(args.stack_name)
    deployed = bool(stack_plans)
    plans: dict[str, Plan]
    selections: dict[str, int] = {}
    if deployed:
        primary = ""
        for plan_id in stack_plans:
            rule = account.backup.get_backup_plan(BackupPlanId=plan_id)["BackupPlan"]["Rules"][0]
            primary = primary or rule["TargetBackupVaultName"]
        listed_vaults = [v.strip() for v in params["AssignablePlanVaults"].split(",") if v.strip()]
        plans = BackupGateway(
            account.backup,
            role_arn="",
            stack_name=args.stack_name,
            stack_plans=stack_plans,
            listed=parse_listed(params["AssignablePlans"]),
            vaults=[primary, *listed_vaults],
        ).assignable_plans()
        selections = {alias: account.selections(plan_id) for plan_id, alias in stack_plans.items()}
    else:
        plans = {
            alias: Plan(alias, f"(not deployed: {alias})", "", "", alias, interval=interval_of(schedule))
            for alias, schedule in TEMPLATE_PLANS.items()
        }
    dr_vault = f"arn:aws:backup:{params['DrRegion']}:{own}:backup-vault:{params['DrVaultName']}"
    destinations = stack_destinations(dr_vault, params["CrossAccountVaultArn"] or None)
    plan_tag_key = params["PlanTagKey"]
    if args.resource:
        tags = account.tags_of(args.resource)
        for item in args.tag or []:
            key, _, value = item.partition("=")
            tags[key] = value
        resources = [TaggedResource(args.resource, tags)]
    else:
        resources = account.readings.tagged(plan_tag_key)
    buckets = [
        ref.name for r in resources if (ref := parse_resource_arn(r.arn)) and ref.resource_type == "S3"
    ]
    plans_in_region, vaults_in_region = account.count_plans_and_vaults()
    return DryRunInputs(
        plan_tag_key=plan_tag_key,
        copy_to_tag_key=params["CopyToTagKey"],
        restore_test_tag_key=params["RestoreTestTagKey"],
        restore_test_default_on=params["RestoreTestDefault"] == "on",
        allow_opt_in=params["AllowOptIn"] == "true",
        plans=plans,
        resources=resources,
        destinations=destinations,
        copy_retention_days=int(params["CopyRetentionDays"] or 0),
        opted_in=account.readings.opted_in(),
        s3_versioning=account.readings.versioning(buckets),
        advanced_dynamodb=account.readings.advanced_dynamodb(),
        vaults=[account.vault(key, d.vault_arn, own) for key, d in sorted(destinations.items())],
        selections=selections,
        plans_in_region=plans_in_region,
        vaults_in_region=vaults_in_region,
        deployed=deployed,
    )


def table(result: DryRun) -> str:
    lines = [f"dry run ({'deployed stack' if result.deployed else 'stack not deployed: the template plans'})"]
    lines.append(f"\nwould protect ({len(result.protected)}):")
    for d in result.protected:
        copies = ", ".join(d.copies) or "no copy"
        tested = "restore-tested" if d.restore_test else "not restore-tested"
        lines.append(f"  {d.resource_type:<9} {d.resource}  plan {d.plan}; copies: {copies}; {tested}")
    lines.append(f"\nwould reject ({len(result.rejected)}):")
    for d in result.rejected:
        lines.append(
            f"  {d.resource_type:<9} {d.resource}: {d.reason}"
            + (f"\n            fix: {d.fix}" if d.fix else "")
        )
    lines.append(f"\nchecks ({len(result.findings)}):")
    for f in result.findings:
        where = f" [{f.resource}]" if f.resource else ""
        lines.append(
            f"  {f.severity.upper():<7} {f.check}: {f.detail}{where}"
            + (f"\n            fix: {f.fix}" if f.fix else "")
        )
    violations = len(result.violations) + len(result.rejected)
    lines.append(f"\n{violations} violation(s)" if violations else "\nno violation")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m backup_autopilot.dry_run",
        description="What the stack would protect, copy, restore-test and reject; no write call.",
    )
    parser.add_argument(
        "--stack-name", default="backup-autopilot", help="the stack (its plans are <stack>-daily ...)"
    )
    parser.add_argument(
        "--params", default="", help='stack parameters, "K=V K2=V2" (defaults: the template\'s)'
    )
    parser.add_argument("--param", action="append", help="one stack parameter K=V (repeatable)")
    parser.add_argument("--resource", help="only this resource (ARN), with its tags now")
    parser.add_argument(
        "--tag", action="append", help="with --resource: as if it carried this tag K=V (repeatable)"
    )
    parser.add_argument("--region", help="default: the credentials' Region")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    return parser


def main(argv: Sequence[str] | None = None, session: boto3.Session | None = None) -> int:
    """0: no violation; 1: a resource would be rejected or a check fails; 2: the dry run could not run."""
    args = _parser().parse_args(argv)
    if args.tag and not args.resource:
        print("dry run: --tag needs --resource", file=sys.stderr)
        return 2
    session = session or boto3.Session()
    region = args.region or session.region_name or "us-east-1"
    try:
        result = dry_run(gather(args, ReadOnlyAccount(session, region)))
    except (ClientError, BotoCoreError) as error:
        print(f"dry run: could not read the account: {error}", file=sys.stderr)
        return 2
    if args.format == "json":
        document: dict[str, Any] = {"generated": dt.datetime.now(dt.UTC).isoformat(), **result.to_dict()}
        print(json.dumps(document, indent=2))
    else:
        print(table(result))
    return 1 if result.violations or result.rejected else 0
