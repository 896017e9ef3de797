"""The resources restore tests create: tagged, kept for validation, then deleted by AWS Backup.

Wired by the backend on the restore jobs' hooks (``Restores.after_finished``/``after_validation``),
for the jobs a restore testing plan started (``state.restore_tests``; other restore jobs are left
alone):

1. the job COMPLETES: the new resource gets the tag ``awsbackup-restore-test`` (fact sheet 6; its
   value, the restore job id here, is UNVERIFIED) before the COMPLETED event is sent, as a
   creation-time tag (no ``Tag Change on Resource`` event);
2. it stays for the selection's ``ValidationWindowHours`` or until ``PutRestoreValidationResult``
   sets a final status (SUCCESSFUL, FAILED, TIMED_OUT; VALIDATING keeps it), whichever comes first
   (fact sheet 6);
3. the deletion: ``DeletionStatus`` DELETING at once, then :data:`DELETION_SECONDS` later the
   resource is deleted and the status is SUCCESSFUL. S3 is cleaned up with lifecycle rules that
   take days (fact sheet 6): a rule expiring every object is put on the bucket at once, and the
   bucket goes :data:`S3_CLEANUP_SECONDS` (two days) later. The status is FAILED, and the resource
   left behind, when a fault says so (``FAULTS.fail_restore_test_deletion``), when the tag was
   removed meanwhile ("removing it stops automatic deletion", fact sheet 6) or when moto refuses
   the deletion; a resource already gone counts as deleted. A restore into its source (EFS with
   ``newFileSystem=false`` in the overrides) is never tagged nor deleted.

No ValidationStatus is set when the window ends without a result (whether AWS sets TIMED_OUT then
is UNVERIFIED). The ``DeletionStatusMessage`` texts are the sandbox's: AWS documents none.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sandbox import runtime
from sandbox.backup.selection_eval import RESTORE_TEST_MARKER
from sandbox.faults import FAULTS, RESTORE_TEST_DELETION
from sandbox.resources import restored

if TYPE_CHECKING:
    from sandbox.backup.records import RestoreJob, RestoreTestJob
    from sandbox.backup.state import BackupState

#: how long AWS takes to delete a restored resource once it starts (S3 aside); UNVERIFIED
DELETION_SECONDS = 300
#: S3 clean-up goes through lifecycle rules and "can take days" (fact sheet 6): two simulated days
S3_CLEANUP_SECONDS = 2 * 24 * 3600
FINAL_VALIDATION = {"SUCCESSFUL", "FAILED", "TIMED_OUT"}

DELETING_MESSAGE = "AWS Backup is deleting the resource created by this restore test"
S3_DELETING_MESSAGE = (
    "AWS Backup added lifecycle rules that expire every object of the restored bucket; the bucket is "
    "deleted once they have run, which can take days"
)
DELETED_MESSAGE = "AWS Backup deleted the resource created by this restore test"
UNTAGGED_MESSAGE = (
    f"The restored resource no longer carries the {RESTORE_TEST_MARKER} tag: AWS Backup did not delete it"
)


class RestoreTestCleanup:
    """What the restore tests of one account and Region restored, until AWS Backup deletes it."""

    def __init__(self, state: BackupState) -> None:
        self.state = state

    def _test(self, job: RestoreJob) -> RestoreTestJob | None:
        return self.state.restore_tests.get(job.job_id)

    # -- the hooks -------------------------------------------------------------------------------
    def restore_finished(self, job: RestoreJob) -> None:
        """A restore job COMPLETED or FAILED (before its event): tag and keep what a test restored."""
        test = self._test(job)
        if test is None or job.status != "COMPLETED" or not job.created_resource_arn:
            return
        if job.created_resource_arn == job.source_resource_arn:  # an EFS restore into its source
            return  # never tagged, never deleted: restore testing deletes what it created only
        restored.tag(job.created_resource_arn, {RESTORE_TEST_MARKER: job.job_id})
        window = dt.timedelta(hours=test.validation_window_hours)
        job_id = job.job_id
        runtime.clock().call_at(
            (job.completion_date or runtime.clock().now()) + window,
            lambda: self.start_deletion(job_id),
            label=f"restore test {job_id}: validation window ends",
        )

    def validation_put(self, job: RestoreJob) -> None:
        """PutRestoreValidationResult: a final status ends the validation window early."""
        if self._test(job) is not None and job.validation_status in FINAL_VALIDATION:
            self.start_deletion(job.job_id)

    # -- the deletion ----------------------------------------------------------------------------
    def start_deletion(self, job_id: str) -> None:
        job, test = self.state.restore_jobs.get(job_id), self.state.restore_tests.get(job_id)
        if job is None or test is None or test.deletion_started or not job.created_resource_arn:
            return
        if job.created_resource_arn == job.source_resource_arn:
            return
        test.deletion_started = True
        arn = job.created_resource_arn
        delay = DELETION_SECONDS
        job.deletion_status, job.deletion_status_message = "DELETING", DELETING_MESSAGE
        if job.resource_type == "S3" and self._tagged(arn):
            restored.expire_bucket(arn)
            job.deletion_status_message = S3_DELETING_MESSAGE
            delay = S3_CLEANUP_SECONDS
        runtime.clock().call_later(
            delay, lambda: self._finish_deletion(job_id), label=f"restore test {job_id}: deletion"
        )

    @staticmethod
    def _tagged(arn: str) -> bool:
        live = restored.describe(arn)
        return live is not None and RESTORE_TEST_MARKER in live.tags

    def _finish_deletion(self, job_id: str) -> None:
        job = self.state.restore_jobs[job_id]
        arn = job.created_resource_arn
        assert arn is not None
        failure = FAULTS.job_failure(RESTORE_TEST_DELETION, job.source_resource_arn) or FAULTS.job_failure(
            RESTORE_TEST_DELETION, arn
        )
        if failure is None and restored.describe(arn) is not None and not self._tagged(arn):
            failure = UNTAGGED_MESSAGE
        if failure is None:
            try:
                restored.delete(arn)
            except restored.DeletionError as error:
                failure = error.message
        if failure is not None:
            job.deletion_status, job.deletion_status_message = "FAILED", failure
        else:
            job.deletion_status, job.deletion_status_message = "SUCCESSFUL", DELETED_MESSAGE
