"""Backup -> copy to another Region -> restore there, for resource types other than DynamoDB."""

from __future__ import annotations

from tests.sandbox.copy_restore_support import (
    ACCOUNT,
    DR_REGION,
    DR_VAULT,
    JOB_SECONDS,
    REGION,
    ROLE,
    World,
    aws,
    world,
)

__all__ = ["aws", "world"]  # fixtures, imported for pytest


def _copy_to_dr(aws: World, point: str) -> str:
    destination = aws.vault(DR_VAULT, region=DR_REGION)
    job_id = aws.start_copy(point, destination)["CopyJobId"]
    aws.clock.advance(JOB_SECONDS)
    job = aws.backup.describe_copy_job(CopyJobId=job_id)["CopyJob"]
    assert job["State"] == "COMPLETED", job
    return str(job["DestinationRecoveryPointArn"])


def _restore_in_dr(aws: World, point: str, metadata: dict[str, str]) -> str:
    backup = aws.backup_in(DR_REGION)
    job_id = backup.start_restore_job(RecoveryPointArn=point, Metadata=metadata, IamRoleArn=ROLE)[
        "RestoreJobId"
    ]
    aws.clock.advance(JOB_SECONDS)
    job = backup.describe_restore_job(RestoreJobId=job_id)
    assert job["Status"] == "COMPLETED", job
    return str(job["CreatedResourceArn"])


def test_an_s3_bucket_copied_to_another_region_restores_there_with_its_objects(aws: World) -> None:
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="media", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket="media", VersioningConfiguration={"Status": "Enabled"})
    bodies = {f"photos/{n}.jpg": f"jpeg-{n}".encode() * 100 for n in range(5)}
    for key, body in bodies.items():
        s3.put_object(Bucket="media", Key=key, Body=body)
    point = aws.recovery_point("arn:aws:s3:::media")

    copied = _copy_to_dr(aws, point)
    assert copied.startswith(f"arn:aws:backup:{DR_REGION}:{ACCOUNT}:recovery-point:")
    metadata = aws.backup_in(DR_REGION).get_recovery_point_restore_metadata(
        BackupVaultName=DR_VAULT, RecoveryPointArn=copied
    )["RestoreMetadata"]
    created = _restore_in_dr(
        aws, copied, {**metadata, "DestinationBucketName": "media-dr", "NewBucket": "true"}
    )

    assert created == "arn:aws:s3:::media-dr"
    dr = aws.client("s3", DR_REGION)
    assert dr.get_bucket_location(Bucket="media-dr")["LocationConstraint"] == DR_REGION
    restored = {key: dr.get_object(Bucket="media-dr", Key=key)["Body"].read() for key in bodies}
    assert restored == bodies


def test_an_ebs_snapshot_copied_to_another_region_restores_there_as_a_volume(aws: World) -> None:
    ec2 = aws.client("ec2")
    volume = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=20, VolumeType="gp3", Encrypted=True)
    point = aws.recovery_point(f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/{volume['VolumeId']}")

    copied = _copy_to_dr(aws, point)
    assert copied.startswith(f"arn:aws:ec2:{DR_REGION}::snapshot/snap-")
    snapshot_id = copied.rsplit("/", 1)[1]
    dr = aws.client("ec2", DR_REGION)
    assert dr.describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"][0]["VolumeSize"] == 20
    created = _restore_in_dr(aws, copied, {"availabilityZone": f"{DR_REGION}b"})

    restored = dr.describe_volumes(VolumeIds=[created.rsplit("/", 1)[1]])["Volumes"][0]
    assert (restored["Size"], restored["VolumeType"], restored["Encrypted"]) == (20, "gp3", True)
    assert (restored["AvailabilityZone"], restored["SnapshotId"]) == (f"{DR_REGION}b", snapshot_id)
