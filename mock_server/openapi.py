"""The OpenAPI 3.1 document (``openapi.json`` in this package) and validation against its schemas."""

from __future__ import annotations

import copy
import functools
import json
from importlib import resources
from typing import Any

__all__ = ["BodyValidator", "body_validator", "document", "raw_document"]

_DOC_URI = "urn:vista-mock:openapi"
_DEFAULT_CUSTOM_PREFIX = "/api/custom/"


@functools.cache
def raw_document() -> dict[str, Any]:
    """The document as kept in the package."""
    data: dict[str, Any] = json.loads(resources.files("mock_server").joinpath("openapi.json").read_text("utf-8"))
    return data


def document(*, base_url: str, custom_api_prefix: str) -> dict[str, Any]:
    """The document as served: the server URL filled in, custom API paths under the configured prefix."""
    doc = copy.deepcopy(raw_document())
    doc["servers"] = [{"url": base_url.rstrip("/") or "/"}]
    if custom_api_prefix != _DEFAULT_CUSTOM_PREFIX:
        doc["paths"] = {
            (
                custom_api_prefix + path[len(_DEFAULT_CUSTOM_PREFIX) :]
                if path.startswith(_DEFAULT_CUSTOM_PREFIX)
                else path
            ): item
            for path, item in doc["paths"].items()
        }
    return doc


@functools.cache
def _registry() -> Any:
    # jsonschema and referencing load on first use: vista-mock starts faster without them.
    from referencing import Registry  # noqa: PLC0415
    from referencing.jsonschema import DRAFT202012  # noqa: PLC0415

    return Registry().with_resource(_DOC_URI, DRAFT202012.create_resource(raw_document()))


class BodyValidator:
    """Validates request bodies against one of the document's component schemas."""

    def __init__(self, schema_name: str) -> None:
        if schema_name not in raw_document()["components"]["schemas"]:
            raise KeyError(f"no schema {schema_name!r} in openapi.json")
        from jsonschema import Draft202012Validator  # noqa: PLC0415 - see _registry

        self.schema_name = schema_name
        self._validator = Draft202012Validator(
            {"$ref": f"{_DOC_URI}#/components/schemas/{schema_name}"}, registry=_registry()
        )

    def first_error(self, instance: Any) -> str | None:
        """The most relevant problem as ``path: message``, or None when the body is valid."""
        from jsonschema.exceptions import best_match  # noqa: PLC0415 - see _registry

        error = best_match(self._validator.iter_errors(instance))
        if error is None:
            return None
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
        message = error.message
        if error.validator in ("maxItems", "maxLength", "maxProperties"):
            one, many = {
                "maxItems": ("item", "items"),
                "maxLength": ("character", "characters"),
                "maxProperties": ("property", "properties"),
            }[str(error.validator)]
            limit = error.validator_value
            message = f"has more than {limit} {one if limit == 1 else many}"
        shown = repr(error.instance)
        if len(shown) > 60 and shown in message:  # say "the value", not a long echo of it
            message = message.replace(shown, "the value")
        if len(message) > 200:
            message = message[:197] + "..."
        return f"{where or 'body'}: {message}"


@functools.cache
def body_validator(schema_name: str) -> BodyValidator:
    """A cached validator for ``components.schemas[schema_name]``."""
    return BodyValidator(schema_name)
