"""CloudWatch dashboards: ``AWS::CloudWatch::Dashboard`` (PutDashboard; moto keeps the body)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sandbox.deploy.core import Creators, Props, Stack


def create_dashboard(stack: Stack, props: Props) -> None:
    name = stack.name(props, "DashboardName", 255)
    body = props.require("DashboardBody")
    text = body if isinstance(body, str) else json.dumps(body)
    json.loads(text)  # CloudFormation refuses a body that is not JSON; so does the sandbox
    stack.client("cloudwatch").put_dashboard(DashboardName=name, DashboardBody=text)
    stack.record(props, name)


CREATORS: Creators = {
    "AWS::CloudWatch::Dashboard": create_dashboard,
}
