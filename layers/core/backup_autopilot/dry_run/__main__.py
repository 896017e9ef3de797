"""``python -m backup_autopilot.dry_run``: see :mod:`backup_autopilot.dry_run.cli`."""

import sys

from backup_autopilot.dry_run.cli import main

sys.exit(main())
