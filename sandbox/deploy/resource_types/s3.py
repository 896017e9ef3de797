"""S3: ``AWS::S3::Bucket`` (encryption, public access block, ownership, versioning, lifecycle, tags)
and ``AWS::S3::BucketPolicy``.

moto applies a bucket policy's Deny statements without reading their conditions, so a TLS-only
statement (Deny when ``aws:SecureTransport`` is ``false``) would refuse every request. Every SDK
request in the sandbox goes to an ``https://`` endpoint, where that statement never applies: it is
left out of the policy given to moto (the template keeps it; cfn-lint and checkov read it there).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.deploy.values import as_bool, as_json, tag_list

if TYPE_CHECKING:
    from sandbox.deploy.core import Creators, Props, Stack


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A CloudFormation lifecycle rule in PutBucketLifecycleConfiguration's shape."""
    out: dict[str, Any] = {"ID": rule.get("Id", ""), "Status": rule.get("Status", "Enabled")}
    out["Filter"] = {"Prefix": rule.get("Prefix", "")}
    if (days := rule.get("ExpirationInDays")) is not None:
        out["Expiration"] = {"Days": int(days)}
    if (noncurrent := rule.get("NoncurrentVersionExpiration")) is not None:
        out["NoncurrentVersionExpiration"] = {"NoncurrentDays": int(noncurrent["NoncurrentDays"])}
    if (abort := rule.get("AbortIncompleteMultipartUpload")) is not None:
        out["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": int(abort["DaysAfterInitiation"])}
    return out


def create_bucket(stack: Stack, props: Props) -> None:
    s3 = stack.client("s3")
    context = stack.context
    name = stack.name(props, "BucketName", 63).lower()
    request: dict[str, Any] = {"Bucket": name}
    if context.region != "us-east-1":
        request["CreateBucketConfiguration"] = {"LocationConstraint": context.region}
    s3.create_bucket(**request)
    if (encryption := props.take("BucketEncryption")) is not None:
        rules = []
        for rule in encryption["ServerSideEncryptionConfiguration"]:
            default = dict(rule.get("ServerSideEncryptionByDefault") or {})
            entry: dict[str, Any] = {"ApplyServerSideEncryptionByDefault": default}
            if "BucketKeyEnabled" in rule:
                entry["BucketKeyEnabled"] = as_bool(rule["BucketKeyEnabled"])
            rules.append(entry)
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
    if (block := props.take("PublicAccessBlockConfiguration")) is not None:
        s3.put_public_access_block(
            Bucket=name, PublicAccessBlockConfiguration={k: as_bool(v) for k, v in block.items()}
        )
    if (ownership := props.take("OwnershipControls")) is not None:
        s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls={"Rules": list(ownership["Rules"])})
    if (versioning := props.take("VersioningConfiguration")) is not None:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": versioning["Status"]})
    if (lifecycle := props.take("LifecycleConfiguration")) is not None:
        s3.put_bucket_lifecycle_configuration(
            Bucket=name, LifecycleConfiguration={"Rules": [_lifecycle_rule(r) for r in lifecycle["Rules"]]}
        )
    if tags := props.take("Tags"):
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_list(tags)})
    arn = f"arn:{context.partition}:s3:::{name}"
    stack.record(
        props,
        name,
        Arn=arn,
        DomainName=f"{name}.s3.amazonaws.com",
        RegionalDomainName=f"{name}.s3.{context.region}.amazonaws.com",
    )


def _tls_only(statement: dict[str, Any]) -> bool:
    condition = statement.get("Condition") or {}
    return statement.get("Effect") == "Deny" and condition == {"Bool": {"aws:SecureTransport": "false"}}


def create_bucket_policy(stack: Stack, props: Props) -> None:
    bucket = props.require("Bucket")
    document = dict(props.require("PolicyDocument"))
    statements = document.get("Statement") or []
    kept = [s for s in (statements if isinstance(statements, list) else [statements]) if not _tls_only(s)]
    if kept:
        stack.client("s3").put_bucket_policy(Bucket=bucket, Policy=as_json({**document, "Statement": kept}))
    stack.record(props, bucket)


CREATORS: Creators = {
    "AWS::S3::Bucket": create_bucket,
    "AWS::S3::BucketPolicy": create_bucket_policy,
}
