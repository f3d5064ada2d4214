"""Every statement is checked with ralph-malph's strict xAPI model before it is queued: an invalid statement
is a bug in DrillPad, and it is never sent."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError


class InvalidStatement(ValueError):
    def __init__(self, statement_id: str, problems: list[str]):
        self.statement_id, self.problems = statement_id, problems
        super().__init__(f"statement {statement_id} is not valid xAPI (a DrillPad bug; it was not queued): "
                         + "; ".join(problems[:5]))


def validate(statement: dict[str, Any]) -> None:
    """Raise :class:`InvalidStatement` unless *statement* passes ``BaseXapiStatement`` (and names its version)."""
    from ralph.models.xapi.base.statements import BaseXapiStatement

    try:
        BaseXapiStatement.model_validate(statement)
    except ValidationError as exc:
        raise InvalidStatement(str(statement.get("id")), [
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]) from None
