"""Copies of completed backups to the stack's other Regions and accounts (pure logic, no boto3).

One file per question:

* ``destinations``: where copies may go (the stack's vaults) and what the ``backup-copy-to`` tag picks;
* ``eligibility``: what must not be attempted (cold points, keys, plain DynamoDB) and two-hop routes;
* ``planning``: from the facts of one recovery point to its copy orders (:func:`planning.plan_copies`);
* ``service``: the ports, and copying one point end to end (read, plan, start, tell);
* ``sweep``: the hourly catch-up for points whose completion event never arrived;
* ``failures``: why a copy job failed, its fix, and whether a retry can help.
"""
