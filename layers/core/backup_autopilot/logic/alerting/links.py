"""Links to the AWS console page of a job, a plan or a resource, for its Region (pure).

Every link is built here from parts that are checked first (partition, Region, identifiers are
URL-quoted), never copied from an event: an event's text is never a link. The job pages follow
the AWS Backup console's fragment layout (``#/jobs/backup/details/<id>``); the console is not an
API, so a layout change breaks a deep link, never an alert.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from backup_autopilot.logic.resources import parse_resource_arn

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
#: console host per partition
_CONSOLE = {
    "aws": "console.aws.amazon.com",
    "aws-us-gov": "console.amazonaws-us-gov.com",
    "aws-cn": "console.amazonaws.cn",
}


def _q(value: str) -> str:
    return quote(value, safe="")


def _host(region: str, partition: str = "aws") -> str | None:
    domain = _CONSOLE.get(partition)
    if domain is None or not _REGION.match(region or ""):
        return None
    return f"https://{region}.{domain}" if partition == "aws" else f"https://{domain}"


def _partition(arn: str | None) -> str:
    parts = (arn or "").split(":")
    return parts[1] if len(parts) > 1 and parts[1] in _CONSOLE else "aws"


def backup_console(region: str, fragment: str, partition: str = "aws") -> str | None:
    host = _host(region, partition)
    return f"{host}/backup/home?region={region}#{fragment}" if host else None


def job_link(kind: str, job_id: str | None, region: str, arn: str | None = None) -> str | None:
    """The AWS Backup console page of a backup, copy or restore job."""
    if not job_id or kind not in {"backup", "copy", "restore"}:
        return None
    return backup_console(region, f"/jobs/{kind}/details/{_q(job_id)}", _partition(arn))


def plan_link(plan_id: str | None, region: str) -> str | None:
    return backup_console(region, f"/backupplan/details/{_q(plan_id)}", "aws") if plan_id else None


def protected_resource_link(arn: str | None, region: str) -> str | None:
    """AWS Backup's page of a protected resource (its recovery points and jobs)."""
    return backup_console(region, f"/resources/{_q(arn)}", _partition(arn)) if arn else None


def resource_link(arn: str | None) -> str | None:
    """The resource's own console page (where its tags are edited), for its Region."""
    ref = parse_resource_arn(arn or "")
    if ref is None:
        return None
    partition = _partition(arn)
    if ref.resource_type == "S3":
        domain = _CONSOLE[partition]
        s3_host = f"https://s3.{domain}" if partition == "aws" else f"https://{domain}"
        return f"{s3_host}/s3/buckets/{_q(ref.name)}?tab=properties"
    region = ref.region
    host = _host(region, partition)
    if host is None:
        return None
    name = _q(ref.name)
    pages = {
        "DynamoDB": f"/dynamodbv2/home?region={region}#table?name={name}",
        "EBS": f"/ec2/home?region={region}#VolumeDetails:volumeId={name}",
        "EC2": f"/ec2/home?region={region}#InstanceDetails:instanceId={name}",
        "RDS": f"/rds/home?region={region}#database:id={name}",
        "Aurora": f"/rds/home?region={region}#database:id={name};is-cluster=true",
        "EFS": f"/efs/home?region={region}#/file-systems/{name}",
        "FSx": f"/fsx/home?region={region}#file-system-details/{name}",
    }
    page = pages.get(ref.resource_type)
    return f"{host}{page}" if page else protected_resource_link(arn, region)
