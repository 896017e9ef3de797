"""The operator report (pure): what is out of RPO and why, SLA ratios, copy lag, restore tests,
trends and open alerts, from facts the adapters read (the state table and AWS Backup's APIs).

* :mod:`.facts`: the inputs (recovery points, jobs, verdicts, alerts, daily snapshots);
* :mod:`.rpo`: every tagged resource without a recovery point newer than its RPO, with the reason
  and the fix;
* :mod:`.sla`: points made / points expected per resource and plan over 30 days;
* :mod:`.copies`, :mod:`.restores`, :mod:`.trends`: the other sections;
* :mod:`.build`: the whole :class:`~.build.Report`, its daily snapshot and its metrics;
* :mod:`.metrics`: the catalogue of the metrics the stack emits with dimensions (the dashboard's).

Nothing here counts alerts: alerts are listed, never the source of a number.
"""
