"""One module per family of CloudFormation/SAM resource types, each declaring ``CREATORS``.

:mod:`sandbox.deploy.registry` finds every module here: a module for a new family of types needs
no other change. A creator is ``creator(stack, props)`` (:data:`sandbox.deploy.core.Creator`): it
takes the properties it applies from ``props``, makes the API calls CloudFormation would make
through ``stack.client(service)``, and records the resource with ``stack.record(props, ref, **attributes)``.
"""
