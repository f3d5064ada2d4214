"""Verified evidence to the organisation's LRS, as xAPI 1.0.3 statements.

Only the manager's DrillPad sends, and only what passed every import check: the statements describing a
bundle's events are queued (``outbox.queue_events``) inside the import transaction, in a durable SQLite
outbox; the manager's own decisions are queued in the transaction that records them. Each statement has an
id derived from its event id (UUIDv5 in the organisation's namespace), is validated with ralph-malph's strict
``BaseXapiStatement`` before it is queued, and sign-offs carry a JWS signature made with the site's
certificate. ``sender.Sender`` delivers the queue in batches (see docs/lrs.md).

Modules: ``config`` (IT policy keys and the credentials file), ``statements`` (pure: events → statements),
``catalog`` (the pack facts statements name, read from SQLite), ``validation``, ``signing``, ``outbox``
(queue, status, retry), ``sender`` (HTTP), ``cli`` (``drillpad lrs``), ``service`` (all of it as the workspace
hands it out, ``Workspace.lrs``).
"""
