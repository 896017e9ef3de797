"""Deploy a template's resources into moto, in dependency order, through real boto3 clients.

Each supported CloudFormation type has a creator that resolves the resource's properties, makes
the API calls CloudFormation would make, and records what ``Ref`` and ``Fn::GetAtt`` return.
Properties a creator does not apply are reported as warnings, never silently dropped; resource
types the sandbox does not know are skipped with a warning (a reference to one then fails
clearly). Physical names that the template leaves out are generated as CloudFormation does
(``<stack>-<LogicalId>-<SUFFIX>``), with a deterministic suffix so runs are reproducible.

``AWS::Serverless::Function`` resources are not created in moto's Lambda (it needs Docker to
run code): they get a name and an ARN, and the Lambda service (:mod:`sandbox.lambda_service`)
runs them. ``AWS::Serverless::LayerVersion`` content directories are what it puts on ``sys.path``.

| module | holds |
|---|---|
| ``deployer`` | :func:`deploy`: creation in order, unapplied properties reported, outputs |
| ``core`` | :class:`Deployment` and its records, :class:`Props`, :class:`Stack`, :func:`physical_name` |
| ``ordering`` | conditions and the dependency order |
| ``registry`` | the dispatch table, gathered from the ``CREATORS`` of ``resource_types/*`` |
| ``values`` | template values into API values (booleans, integers, JSON, tags) |
| ``resource_types/<family>`` | the creators of one family of types (one module per service) |
"""

from sandbox.deploy.core import (
    ClientFactory,
    DeployedFunction,
    Deployment,
    ScheduledRule,
    SchedulerSchedule,
    physical_name,
)
from sandbox.deploy.deployer import deploy

__all__ = [
    "ClientFactory",
    "DeployedFunction",
    "Deployment",
    "ScheduledRule",
    "SchedulerSchedule",
    "deploy",
    "physical_name",
]
