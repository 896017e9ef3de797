"""Restore tests: AWS Backup's restore testing restores; this package proves the data came back.

One file per question (pure logic, no boto3; the adapters bring the facts):

* ``facts``: what is known about a resource (the source at backup time, the restored copy now);
* ``checks``: the per-type checks of a restored copy against its source, and what each proves;
* ``names``: names of on-demand test resources (``bap-rt-``), never a source's, within AWS's limits;
* ``validation``: one restore job from event to verdict (ownership, checks, RTO, result, clean-up);
* ``first_test``: the on-demand test that follows opting a resource in;
* ``sweep``: leaked restored resources and tests that never reported back;
* ``report``: the one ``Restore Test Report`` per scheduled run.
"""
