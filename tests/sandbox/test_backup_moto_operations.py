"""moto's own AWS Backup operations keep working once the extension serves every backup path."""

from __future__ import annotations

from tests.sandbox.backup_support import VAULT, World, world

__all__ = ["world"]


def test_plans_vaults_tags_lock_and_report_plans(world: World) -> None:
    backup = world.backup
    vault_arn = world.vault()
    assert backup.describe_backup_vault(BackupVaultName=VAULT)["BackupVaultArn"] == vault_arn
    assert [v["BackupVaultName"] for v in backup.list_backup_vaults()["BackupVaultList"]] == [VAULT]

    plan_id = world.plan()
    assert backup.get_backup_plan(BackupPlanId=plan_id)["BackupPlan"]["BackupPlanName"] == "daily"
    assert [p["BackupPlanId"] for p in backup.list_backup_plans()["BackupPlansList"]] == [plan_id]

    backup.tag_resource(ResourceArn=vault_arn, Tags={"team": "core"})
    assert backup.list_tags(ResourceArn=vault_arn)["Tags"] == {"team": "core"}
    backup.untag_resource(ResourceArn=vault_arn, TagKeyList=["team"])
    assert backup.list_tags(ResourceArn=vault_arn)["Tags"] == {}

    backup.put_backup_vault_lock_configuration(BackupVaultName=VAULT, MinRetentionDays=7)
    assert backup.describe_backup_vault(BackupVaultName=VAULT)["Locked"] is True
    backup.delete_backup_vault_lock_configuration(BackupVaultName=VAULT)

    backup.create_report_plan(
        ReportPlanName="weekly",
        ReportDeliveryChannel={"S3BucketName": "reports"},
        ReportSetting={"ReportTemplate": "BACKUP_JOB_REPORT"},
    )
    assert backup.describe_report_plan(ReportPlanName="weekly")["ReportPlan"]["ReportPlanName"] == "weekly"
    backup.delete_report_plan(ReportPlanName="weekly")

    backup.delete_backup_plan(BackupPlanId=plan_id)
    backup.delete_backup_vault(BackupVaultName=VAULT)
    assert backup.list_backup_vaults()["BackupVaultList"] == []
