"""AWS Backup in moto, from a project that is not backup-autopilot: a tagged table is backed up at
its plan's window on a simulated clock, and restores into a new table with every item."""

import pathlib
import tempfile
import textwrap

from sandbox import Sandbox

work = pathlib.Path(tempfile.mkdtemp())
(work / "samconfig.toml").write_text('version = 0.1\n[sandbox.global.parameters]\nstack_name = "demo"\n')
(work / "template.yaml").write_text(
    textwrap.dedent("""
    Resources:
      Vault:
        Type: AWS::Backup::BackupVault
        Properties: {BackupVaultName: demo-vault}
      Role:
        Type: AWS::IAM::Role
        Properties:
          AssumeRolePolicyDocument:
            Statement: [{Effect: Allow, Principal: {Service: backup.amazonaws.com}, Action: sts:AssumeRole}]
      Plan:
        Type: AWS::Backup::BackupPlan
        Properties:
          BackupPlan:
            BackupPlanName: nightly
            BackupPlanRule:
              - RuleName: nightly
                TargetBackupVault: !Ref Vault
                ScheduleExpression: "cron(0 5 ? * * *)"
      Selection:
        Type: AWS::Backup::BackupSelection
        Properties:
          BackupPlanId: !Ref Plan
          BackupSelection:
            SelectionName: tagged
            IamRoleArn: !GetAtt Role.Arn
            Resources: ["*"]
            Conditions:
              StringEquals: [{ConditionKey: aws:ResourceTag/backup, ConditionValue: nightly}]
""")
)

with Sandbox(template=work / "template.yaml", dr_template=None) as sb:
    sb.create_table("orders", items=25, tags={"backup": "nightly"})
    sb.advance(24 * 3600)  # the plan's 05:00 window opens; the job runs to COMPLETED
    backup = sb.client("backup")
    point = backup.list_recovery_points_by_backup_vault(BackupVaultName="demo-vault")["RecoveryPoints"][0]
    job = backup.start_restore_job(
        RecoveryPointArn=point["RecoveryPointArn"],
        Metadata={"targetTableName": "orders-restored"},
        IamRoleArn=sb.attribute("Role", "Arn"),
        ResourceType="DynamoDB",
    )
    sb.advance(3600)
    status = backup.describe_restore_job(RestoreJobId=job["RestoreJobId"])["Status"]
    items = sb.client("dynamodb").scan(TableName="orders-restored", Select="COUNT")["Count"]
    print(f"restore {status}: {items} items")  # restore COMPLETED: 25 items
    assert (status, items) == ("COMPLETED", 25)
