"""The dry run: ``python -m backup_autopilot.dry_run`` (``make dry-run``).

What the stack would protect (by which plan), copy (where), restore-test, and reject (and why),
and what would fail later, for the stack's parameters (given, or the deployed stack's) or for one
resource with a hypothetical tag. Read-only: every AWS call it makes is a List, Get or Describe
(a sandbox test counts its calls and finds no write). Runs against the account and Region of the
current credentials, or any endpoint (``AWS_ENDPOINT_URL``, e.g. the sandbox's ``make serve``).
"""
