"""AWS's validation of names and tags, where moto is more lenient, for the types the stack protects.

:func:`install` wraps moto's create and tag operations so that a request AWS refuses is refused
with the error code the service answers, before moto stores anything:

==========================  =============================================  =========================
service / operation         rule                                           error code
==========================  =============================================  =========================
DynamoDB CreateTable        table name 3-255 characters of ``[a-zA-Z0-9_.-]``  ``ValidationException``
S3 CreateBucket             3-63 characters: lowercase letters, digits,    ``InvalidBucketName``
                            dots, hyphens; starts and ends with a letter
                            or digit; no ``..``; not an IP address; no
                            reserved prefix (``xn--``, ``sthree-``,
                            ``amzn-s3-demo-``) or suffix (``-s3alias``,
                            ``--ol-s3``, ``.mrap``, ``--x-s3``,
                            ``--table-s3``)
RDS CreateDBCluster         cluster identifier 1-63: a letter first,       ``InvalidParameterValue``
                            letters, digits, hyphens, no ``--``, no
                            trailing hyphen (moto checks DB instances
                            already)
EFS CreateFileSystem        ``CreationToken`` 1-64 characters              ``BadRequest``
EC2 CreateVolume            ``VolumeType`` one of gp2, gp3, io1, io2,      ``InvalidParameterValue``
                            st1, sc1, standard; ``Size`` within the
                            type's range (below)
every create/tag call       tag keys 1-128 characters, values 0-256, no    DynamoDB
of these services           ``aws:`` prefix on keys                        ``ValidationException``,
                                                                           S3 ``InvalidTag``, RDS and
                                                                           EC2 ``InvalidParameterValue``,
                                                                           EFS ``BadRequest``
==========================  =============================================  =========================

Sources: the services' API references (DynamoDB table names, S3 bucket naming rules, RDS
identifiers, EFS ``CreationToken``, EC2 CreateVolume sizes) and the tagging rules shared by AWS's
services. EBS sizes per type (GiB): gp2 1-16,384, gp3 1-16,384 (AWS has announced larger gp3
volumes: the upper bound is UNVERIFIED), io1 4-16,384, io2 4-65,536, st1 and sc1 125-16,384,
standard 1-1,024. The DynamoDB length/pattern messages follow the service's documented "1
validation error detected" form; every other message text is the sandbox's (UNVERIFIED).

moto's own checks stay (S3 names shorter than 3, DB instance identifiers, S3 ``aws:`` tags).
"""

from __future__ import annotations

import functools
import inspect
import ipaddress
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from moto.dynamodb.exceptions import MockValidationException
from moto.dynamodb.models import DynamoDBBackend
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models import EC2Backend
from moto.efs.exceptions import BadRequest
from moto.efs.models import EFSBackend
from moto.rds.exceptions import InvalidParameterValue
from moto.rds.models import RDSBackend
from moto.s3.exceptions import InvalidBucketName, InvalidTagError
from moto.s3.models import S3Backend

TABLE_NAME = re.compile(r"^[a-zA-Z0-9_.-]+$")
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
DB_IDENTIFIER = re.compile(r"^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,62}$")
MAX_CREATION_TOKEN = 64
MAX_TAG_KEY, MAX_TAG_VALUE = 128, 256
RESERVED_TAG_PREFIX = "aws:"
#: EBS volume sizes in GiB by type (gp3's upper bound: UNVERIFIED, see the module docstring)
VOLUME_SIZES = {
    "gp2": (1, 16_384),
    "gp3": (1, 16_384),
    "io1": (4, 16_384),
    "io2": (4, 65_536),
    "st1": (125, 16_384),
    "sc1": (125, 16_384),
    "standard": (1, 1_024),
}

_lock = threading.Lock()
_installed = False


# -- the rules (pure: a message, or None when AWS accepts the value) -------------------------------


def table_name_problem(name: str) -> str | None:
    if not 3 <= len(name) <= 255:
        bound = "greater than or equal to 3" if len(name) < 3 else "less than or equal to 255"
        return (
            f"1 validation error detected: Value '{name}' at 'tableName' failed to satisfy constraint: "
            f"Member must have length {bound}"
        )
    if not TABLE_NAME.match(name):
        return (
            f"1 validation error detected: Value '{name}' at 'tableName' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
        )
    return None


def bucket_name_problem(name: str) -> bool:
    """True when AWS refuses ``name`` as a (general purpose) bucket name."""
    if not BUCKET_NAME.match(name) or ".." in name:
        return True
    if name.startswith(BUCKET_PREFIXES) or name.endswith(BUCKET_SUFFIXES):
        return True
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        return False
    return True


def db_identifier_problem(identifier: str, parameter: str) -> str | None:
    if DB_IDENTIFIER.match(identifier) and not identifier.endswith("-"):
        return None
    return (
        f"The parameter {parameter} is not a valid identifier. Identifiers must begin with a letter; must "
        "contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two "
        "consecutive hyphens."
    )


def creation_token_problem(token: str) -> str | None:
    if 1 <= len(token) <= MAX_CREATION_TOKEN:
        return None
    return f"CreationToken must be 1 to {MAX_CREATION_TOKEN} characters long; got {len(token)}"


def volume_problem(size: int | None, volume_type: str | None) -> str | None:
    kind = volume_type or "gp2"
    if kind not in VOLUME_SIZES:
        return f"Value ({kind}) for parameter volumeType is invalid. Valid values: {', '.join(VOLUME_SIZES)}"
    low, high = VOLUME_SIZES[kind]
    if size is not None and not low <= int(size) <= high:
        return f"Volume size {size} GiB is invalid for {kind} volumes: it must be {low}-{high} GiB"
    return None


def tags_problem(tags: Mapping[str, str | None]) -> str | None:
    for key, value in tags.items():
        if not 1 <= len(key) <= MAX_TAG_KEY:
            return f"Tag key {key[:40]!r} must be 1 to {MAX_TAG_KEY} characters long"
        if len(value or "") > MAX_TAG_VALUE:
            return f"The value of tag {key!r} must be at most {MAX_TAG_VALUE} characters long"
        if key.lower().startswith(RESERVED_TAG_PREFIX):
            return f"Tag key {key!r} uses the prefix 'aws:', which is reserved for AWS use"
    return None


def _tag_map(tags: Any) -> dict[str, str | None]:
    """Tags as moto passes them: a dict, or a list of {Key, Value} (or {key, value})."""
    if not tags:
        return {}
    if isinstance(tags, Mapping):
        return dict(tags)
    items: Iterable[Mapping[str, Any]] = tags
    return {str(t.get("Key", t.get("key", ""))): t.get("Value", t.get("value")) for t in items}


# -- the patches -----------------------------------------------------------------------------------

#: (class, method, check(bound arguments) -> None, raising the service's error)
Check = Callable[[Mapping[str, Any]], None]


def _raise_if(problem: str | None, error: Callable[[str], Exception]) -> None:
    if problem is not None:
        raise error(problem)


def _ddb_error(message: str) -> Exception:
    return MockValidationException(message)


def _ec2_error(message: str) -> Exception:
    return EC2ClientError("InvalidParameterValue", message)


def _check_table(args: Mapping[str, Any]) -> None:
    _raise_if(table_name_problem(args["name"]), _ddb_error)
    _raise_if(tags_problem(_tag_map(args.get("tags"))), _ddb_error)


def _check_bucket(args: Mapping[str, Any]) -> None:
    if bucket_name_problem(args["bucket_name"]):
        raise InvalidBucketName()


def _check_cluster(args: Mapping[str, Any]) -> None:
    kwargs = args["kwargs"]
    identifier = kwargs.get("db_cluster_identifier") or ""
    _raise_if(db_identifier_problem(identifier, "DBClusterIdentifier"), InvalidParameterValue)
    _raise_if(tags_problem(_tag_map(kwargs.get("tags"))), InvalidParameterValue)


def _check_instance_tags(args: Mapping[str, Any]) -> None:
    _raise_if(tags_problem(_tag_map(args["db_kwargs"].get("tags"))), InvalidParameterValue)


def _check_file_system(args: Mapping[str, Any]) -> None:
    _raise_if(creation_token_problem(args["creation_token"] or ""), BadRequest)
    _raise_if(tags_problem(_tag_map(args.get("tags"))), BadRequest)


def _check_volume(args: Mapping[str, Any]) -> None:
    _raise_if(volume_problem(args.get("size"), args.get("volume_type")), _ec2_error)


def _tags_check(error: Callable[[str], Exception]) -> Check:
    return lambda args: _raise_if(tags_problem(_tag_map(args.get("tags"))), error)


_PATCHES: list[tuple[type, str, Check]] = [
    (DynamoDBBackend, "create_table", _check_table),
    (DynamoDBBackend, "tag_resource", _tags_check(_ddb_error)),
    (S3Backend, "create_bucket", _check_bucket),
    (S3Backend, "put_bucket_tagging", _tags_check(InvalidTagError)),
    (RDSBackend, "create_db_cluster", _check_cluster),
    (RDSBackend, "create_db_instance", _check_instance_tags),
    (RDSBackend, "add_tags_to_resource", _tags_check(InvalidParameterValue)),
    (EFSBackend, "create_file_system", _check_file_system),
    (EFSBackend, "tag_resource", _tags_check(BadRequest)),
    (EC2Backend, "create_volume", _check_volume),
    (EC2Backend, "create_tags", _tags_check(_ec2_error)),
]


def _validating(original: Callable[..., Any], check: Check) -> Callable[..., Any]:
    signature = inspect.signature(original)

    @functools.wraps(original)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        check(bound.arguments)
        return original(self, *args, **kwargs)

    return wrapper


def install() -> None:
    """Patch moto's create and tag operations once per process (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        for cls, name, check in _PATCHES:
            setattr(cls, name, _validating(getattr(cls, name), check))
        _installed = True


__all__ = [
    "bucket_name_problem",
    "creation_token_problem",
    "db_identifier_problem",
    "install",
    "table_name_problem",
    "tags_problem",
    "volume_problem",
]
