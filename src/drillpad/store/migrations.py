"""The schema, only ever changed by adding a migration here (ordered m001_, m002_, ...).

Each migration runs in its own transaction (sqlite-utils ``Migrations``). Never edit a
migration that has shipped; add a new one.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("drillpad")


@migrations()
def m001_initial(db: Database) -> None:
    """Packs and their content, learners, devices and the append-only events table."""
    for statement in _M001.split(";\n"):
        if statement.strip():
            db.execute(statement)


_M001 = """
CREATE TABLE packs (
    id TEXT PRIMARY KEY,
    version TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL,
    content_hash TEXT NOT NULL CHECK (content_hash LIKE 'sha256:%'),
    approved_by TEXT NOT NULL,
    approved_on TEXT NOT NULL,
    source_document TEXT NOT NULL,
    source_revision TEXT NOT NULL,
    settings TEXT NOT NULL CHECK (json_valid(settings)),
    context TEXT NOT NULL CHECK (json_valid(context)),
    synonyms TEXT NOT NULL CHECK (json_valid(synonyms)),
    source_path TEXT NOT NULL,
    imported_at TEXT NOT NULL
);
CREATE TABLE pack_imports (
    id INTEGER PRIMARY KEY,
    pack_id TEXT NOT NULL REFERENCES packs(id),
    version TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    previous_version TEXT,
    imported_at TEXT NOT NULL
);
CREATE TABLE rubric_levels (
    pack_id TEXT NOT NULL REFERENCES packs(id),
    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    example TEXT NOT NULL,
    PRIMARY KEY (pack_id, level)
);
CREATE TABLE roles (
    pack_id TEXT NOT NULL REFERENCES packs(id),
    id TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL,
    PRIMARY KEY (pack_id, id)
);
CREATE TABLE tasks (
    pack_id TEXT NOT NULL,
    id TEXT NOT NULL,
    role_id TEXT NOT NULL,
    title TEXT NOT NULL,
    what_good_looks_like TEXT NOT NULL,
    failure_points TEXT NOT NULL CHECK (json_valid(failure_points)),
    position INTEGER NOT NULL,
    PRIMARY KEY (pack_id, id),
    FOREIGN KEY (pack_id, role_id) REFERENCES roles(pack_id, id)
);
CREATE TABLE behaviours (
    pack_id TEXT NOT NULL,
    id TEXT NOT NULL,
    role_id TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    evidence TEXT NOT NULL CHECK (evidence IN ('drill', 'observed', 'work_sample')),
    tasks TEXT NOT NULL CHECK (json_valid(tasks)),
    demonstrations INTEGER NOT NULL CHECK (demonstrations >= 1),
    position INTEGER NOT NULL,
    PRIMARY KEY (pack_id, id),
    FOREIGN KEY (pack_id, role_id) REFERENCES roles(pack_id, id)
);
CREATE TABLE lessons (
    pack_id TEXT NOT NULL,
    id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    body TEXT NOT NULL,
    tree TEXT CHECK (tree IS NULL OR json_valid(tree)),
    reading_minutes REAL NOT NULL,
    PRIMARY KEY (pack_id, id),
    FOREIGN KEY (pack_id, task_id) REFERENCES tasks(pack_id, id)
);
CREATE TABLE prompts (
    pack_id TEXT NOT NULL,
    id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    source TEXT NOT NULL,
    points TEXT NOT NULL CHECK (json_valid(points)),
    PRIMARY KEY (pack_id, id),
    FOREIGN KEY (pack_id, task_id) REFERENCES tasks(pack_id, id)
);
CREATE TABLE drills (
    pack_id TEXT NOT NULL,
    id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    title TEXT NOT NULL,
    minutes INTEGER NOT NULL,
    body TEXT NOT NULL CHECK (json_valid(body)),
    PRIMARY KEY (pack_id, id),
    FOREIGN KEY (pack_id, task_id) REFERENCES tasks(pack_id, id)
);
CREATE TABLE examples (
    pack_id TEXT NOT NULL,
    id TEXT NOT NULL,
    drill_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    split TEXT NOT NULL CHECK (split IN ('dev', 'holdout')),
    answer TEXT NOT NULL,
    met TEXT NOT NULL CHECK (json_valid(met)),
    violations TEXT NOT NULL CHECK (json_valid(violations)),
    PRIMARY KEY (pack_id, id),
    FOREIGN KEY (pack_id, drill_id) REFERENCES drills(pack_id, id)
);
CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    is_self INTEGER NOT NULL DEFAULT 0 CHECK (is_self IN (0, 1)),
    public_key TEXT,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX devices_one_self ON devices(is_self) WHERE is_self = 1;
CREATE TABLE learners (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (length(trim(name)) BETWEEN 1 AND 60),
    pack_id TEXT NOT NULL,
    role_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    FOREIGN KEY (pack_id, role_id) REFERENCES roles(pack_id, id)
);
CREATE TABLE events (
    id TEXT PRIMARY KEY CHECK (length(id) = 36),
    device_id TEXT NOT NULL REFERENCES devices(id),
    seq INTEGER NOT NULL CHECK (seq >= 1),
    learner_id TEXT REFERENCES learners(id),
    kind TEXT NOT NULL,
    payload TEXT NOT NULL CHECK (json_valid(payload)),
    created_at TEXT NOT NULL,
    UNIQUE (device_id, seq)
);
CREATE INDEX events_learner_time ON events(learner_id, created_at);
CREATE INDEX events_kind ON events(kind);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: they cannot be changed'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: they cannot be deleted'); END
"""


@migrations()
def m002_cards(db: Database) -> None:
    """Derived FSRS card state per learner × item, rebuildable from review events."""
    db.execute("""
        CREATE TABLE cards (
            learner_id TEXT NOT NULL REFERENCES learners(id),
            pack_id TEXT NOT NULL,
            item_kind TEXT NOT NULL CHECK (item_kind IN ('prompt', 'drill')),
            item_id TEXT NOT NULL,
            task_id TEXT NOT NULL,
            state TEXT NOT NULL CHECK (json_valid(state)),
            due TEXT NOT NULL,
            reviews INTEGER NOT NULL,
            PRIMARY KEY (learner_id, pack_id, item_kind, item_id)
        )""")
    db.execute("CREATE INDEX cards_due ON cards(learner_id, due)")
    db.execute("CREATE INDEX events_learner_kind ON events(learner_id, kind, created_at)")


@migrations()
def m003_variants(db: Database) -> None:
    """Scenario variants that passed the quality gate, cached by (drill, model sha256, template
    version), and which learner has seen which (so nobody gets the same variant twice)."""
    db.execute("""
        CREATE TABLE variants (
            id TEXT PRIMARY KEY,
            pack_id TEXT NOT NULL,
            drill_id TEXT NOT NULL,
            model_sha256 TEXT NOT NULL CHECK (model_sha256 LIKE 'sha256:%'),
            template TEXT NOT NULL,
            situation TEXT NOT NULL,
            question TEXT NOT NULL,
            slots TEXT NOT NULL CHECK (json_valid(slots)),
            provenance TEXT NOT NULL CHECK (json_valid(provenance)),
            created_at TEXT NOT NULL,
            FOREIGN KEY (pack_id, drill_id) REFERENCES drills(pack_id, id)
        )""")
    db.execute("CREATE INDEX variants_key ON variants(pack_id, drill_id, model_sha256, template)")
    db.execute("""
        CREATE TABLE variant_uses (
            variant_id TEXT NOT NULL REFERENCES variants(id),
            learner_id TEXT NOT NULL REFERENCES learners(id),
            used_at TEXT NOT NULL,
            PRIMARY KEY (variant_id, learner_id)
        )""")


@migrations()
def m004_pins(db: Database) -> None:
    """Profile PINs (scrypt hashes) and the consecutive-failure counter that survives restarts."""
    db.execute("""
        CREATE TABLE pins (
            learner_id TEXT PRIMARY KEY REFERENCES learners(id),
            hash TEXT NOT NULL CHECK (hash LIKE 'scrypt$%'),
            failures INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
            last_failure_at TEXT,
            locked_until TEXT,
            updated_at TEXT NOT NULL
        )""")


@migrations()
def m005_evidence(db: Database) -> None:
    """Evidence sync: the pinned team and manager key (on a workstation), other devices and their
    approval (on a manager's PC), the outbox of bundles built here, and refused bundles."""
    db.execute("""
        CREATE TABLE team (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            manager_public_key TEXT NOT NULL,
            manager_recipient TEXT NOT NULL,
            inbox TEXT NOT NULL CHECK (json_valid(inbox)),
            role TEXT NOT NULL CHECK (role IN ('workstation', 'manager')),
            pinned_at TEXT NOT NULL
        )""")
    db.execute("""
        CREATE TABLE peer_devices (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            public_key TEXT NOT NULL,
            recipient TEXT,
            fingerprint TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'revoked')),
            first_seen TEXT NOT NULL,
            approved_at TEXT,
            last_seq INTEGER NOT NULL DEFAULT 0,
            last_hash TEXT
        )""")
    db.execute("""
        CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY CHECK (seq >= 1),
            file TEXT NOT NULL,
            sha256 TEXT NOT NULL CHECK (sha256 LIKE 'sha256:%'),
            prev_sha256 TEXT,
            from_event_seq INTEGER NOT NULL,
            to_event_seq INTEGER NOT NULL,
            events INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            acked_at TEXT
        )""")
    db.execute("""
        CREATE TABLE bundle_log (
            id INTEGER PRIMARY KEY,
            file TEXT NOT NULL,
            device_id TEXT,
            seq INTEGER,
            outcome TEXT NOT NULL CHECK (outcome IN ('imported', 'pending', 'held', 'refused')),
            reason TEXT NOT NULL,
            sha256 TEXT,
            events INTEGER NOT NULL DEFAULT 0,
            at TEXT NOT NULL
        )""")


@migrations()
def m006_pin_attempts(db: Database) -> None:
    """Every unlock attempt, counted before its PIN is checked (a rolling window of failures that a right PIN
    does not wipe), and the lock kept as a length on the monotonic clock, not as a wall-clock time.
    Failures counted by m004 are carried over as attempts; ten or more stay locked until a manager resets."""
    db.execute("""
        CREATE TABLE pin_attempts (
            id INTEGER PRIMARY KEY,
            learner_id TEXT NOT NULL REFERENCES learners(id),
            at TEXT NOT NULL,
            outcome TEXT NOT NULL CHECK (outcome IN ('pending', 'wrong', 'right')),
            via TEXT NOT NULL DEFAULT 'app'
        )""")
    db.execute("CREATE INDEX pin_attempts_learner ON pin_attempts(learner_id, at)")
    db.execute("ALTER TABLE pins ADD COLUMN lock_seconds REAL NOT NULL DEFAULT 0 CHECK (lock_seconds >= 0)")
    db.execute("ALTER TABLE pins ADD COLUMN lock_mono REAL")
    db.execute("ALTER TABLE pins ADD COLUMN manager_lock INTEGER NOT NULL DEFAULT 0 CHECK (manager_lock IN (0, 1))")
    db.execute("ALTER TABLE pins ADD COLUMN last_success_at TEXT")
    for learner_id, failures, at in db.execute(
            "SELECT learner_id, failures, coalesce(last_failure_at, updated_at) FROM pins WHERE failures > 0").fetchall():
        for _ in range(failures):
            db.execute("INSERT INTO pin_attempts (learner_id, at, outcome) VALUES (?, ?, 'wrong')", [learner_id, at])
    db.execute("UPDATE pins SET manager_lock = 1 WHERE failures >= 10")


@migrations()
def m007_imported_bundles(db: Database) -> None:
    """Every bundle imported on a manager's PC, by (device, sequence) with its hash: a bundle that comes again
    with the same bytes (a USB copy, a resend, a re-run import) is recognised as already had, not as a replay."""
    db.execute("""
        CREATE TABLE imported_bundles (
            device_id TEXT NOT NULL,
            seq INTEGER NOT NULL CHECK (seq >= 1),
            sha256 TEXT NOT NULL CHECK (sha256 LIKE 'sha256:%'),
            file TEXT,
            imported_at TEXT NOT NULL,
            PRIMARY KEY (device_id, seq)
        )""")
    db.execute("""
        INSERT OR IGNORE INTO imported_bundles (device_id, seq, sha256, file, imported_at)
        SELECT device_id, seq, sha256, file, at FROM bundle_log
        WHERE outcome = 'imported' AND device_id IS NOT NULL AND seq IS NOT NULL AND sha256 IS NOT NULL
        ORDER BY id""")


@migrations()
def m008_aggregates(db: Database) -> None:
    """Derived aggregates for the metrics, Today and the manager's desk (store/aggregates.py), kept in
    step with each event and filled here from the events already stored."""
    from drillpad.store import aggregates

    for statement in _M008_TABLES.split(";\n"):
        if statement.strip():
            db.execute(statement)
    aggregates.rebuild(db)


_M008_TABLES = """CREATE TABLE review_facts (
    event_id TEXT PRIMARY KEY,
    learner_id TEXT NOT NULL,
    task TEXT NOT NULL,
    item_kind TEXT NOT NULL,
    item TEXT NOT NULL,
    at TEXT NOT NULL,
    day TEXT NOT NULL,
    device_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    correct INTEGER NOT NULL,
    needs_review INTEGER NOT NULL,
    score REAL,
    first INTEGER NOT NULL,
    confidence INTEGER,
    missed TEXT NOT NULL CHECK (json_valid(missed)),
    delayed INTEGER NOT NULL,
    misses INTEGER NOT NULL,
    recurred INTEGER NOT NULL
);
CREATE INDEX review_facts_item ON review_facts(learner_id, item, at, device_id, seq);
CREATE INDEX review_facts_time ON review_facts(learner_id, at, device_id, seq);
CREATE INDEX review_facts_drills ON review_facts(item_kind, item, learner_id);
CREATE TABLE review_days (
    learner_id TEXT NOT NULL,
    task TEXT NOT NULL,
    day TEXT NOT NULL,
    n INTEGER NOT NULL DEFAULT 0, first_n INTEGER NOT NULL DEFAULT 0, first_ok INTEGER NOT NULL DEFAULT 0, delayed_n INTEGER NOT NULL DEFAULT 0, delayed_ok INTEGER NOT NULL DEFAULT 0, misses INTEGER NOT NULL DEFAULT 0, recurred INTEGER NOT NULL DEFAULT 0, c1_n INTEGER NOT NULL DEFAULT 0, c1_ok INTEGER NOT NULL DEFAULT 0, c2_n INTEGER NOT NULL DEFAULT 0, c2_ok INTEGER NOT NULL DEFAULT 0, c3_n INTEGER NOT NULL DEFAULT 0, c3_ok INTEGER NOT NULL DEFAULT 0, c4_n INTEGER NOT NULL DEFAULT 0, c4_ok INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (learner_id, day, task)
) WITHOUT ROWID;
CREATE TABLE task_progress (
    learner_id TEXT NOT NULL,
    task TEXT NOT NULL,
    started_at TEXT NOT NULL,
    reached_at TEXT,
    PRIMARY KEY (learner_id, task)
) WITHOUT ROWID;
CREATE TABLE learner_days (
    learner_id TEXT NOT NULL,
    day TEXT NOT NULL,
    prompt INTEGER NOT NULL DEFAULT 0, scenario INTEGER NOT NULL DEFAULT 0, reflection INTEGER NOT NULL DEFAULT 0, checkin INTEGER NOT NULL DEFAULT 0, new_items INTEGER NOT NULL DEFAULT 0,
    last_active TEXT,
    PRIMARY KEY (learner_id, day)
) WITHOUT ROWID
"""


@migrations()
def m009_roaming(db: Database) -> None:
    """Roaming (one person, any team workstation): the manager-signed roster last applied here (its version, so an
    older one is never applied over a newer one), where a revoked device's accepted bundles end, profile merges
    (who merged what, reversible until signed off) and this workstation's sync runs (for the status bar)."""
    db.execute("""
        CREATE TABLE roster_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            version INTEGER NOT NULL CHECK (version >= 1),
            sha256 TEXT NOT NULL CHECK (sha256 LIKE 'sha256:%'),
            issued_at TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )""")
    db.execute("ALTER TABLE peer_devices ADD COLUMN revoked_after INTEGER")
    db.execute("""
        CREATE TABLE learner_merges (
            event_id TEXT PRIMARY KEY,
            from_id TEXT NOT NULL,
            into_id TEXT NOT NULL,
            by TEXT NOT NULL,
            at TEXT NOT NULL,
            undone_by TEXT
        )""")
    db.execute("CREATE INDEX learner_merges_from ON learner_merges(from_id) WHERE undone_by IS NULL")
    db.execute("""
        CREATE TABLE sync_runs (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            ok INTEGER NOT NULL CHECK (ok IN (0, 1)),
            peers INTEGER NOT NULL DEFAULT 0,
            received INTEGER NOT NULL DEFAULT 0,
            note TEXT NOT NULL DEFAULT ''
        )""")


@migrations()
def m010_lrs_outbox(db: Database) -> None:
    """The durable outbox of xAPI statements for the organisation's LRS (drillpad.lrs): one row per statement,
    queued in the transaction that imported (or recorded) the event it describes; its id is the statement's own
    UUID (derived from the event id), so queueing twice or resending is harmless. ``status`` moves from queued to
    sent only after the LRS said so; refused and conflict rows keep the LRS's message; invalid rows (a statement
    that failed validation: a DrillPad bug) are never sent. ``lrs_state`` holds the
    sender's last success and last problem (shown on the manager's desk and in ``drillpad lrs status``)."""
    db.execute("""
        CREATE TABLE lrs_outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE CHECK (length(id) = 36),
            event_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            statement TEXT NOT NULL CHECK (json_valid(statement)),
            signature TEXT,
            status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'refused', 'conflict', 'invalid')),
            attempts INTEGER NOT NULL DEFAULT 0,
            reason TEXT,
            queued_at TEXT NOT NULL,
            sent_at TEXT
        )""")
    db.execute("CREATE INDEX lrs_outbox_status ON lrs_outbox(status, seq)")
    db.execute("""
        CREATE TABLE lrs_state (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )""")


@migrations()
def m011_seq_floor(db: Database) -> None:
    """The highest event sequence number each device has ever used here, written in the same transaction as each
    event made on this PC. A restored backup (or a damaged events page) can lose the newest events; their numbers
    must never be used again, so the next number is above this floor too (store/events.py)."""
    db.execute("""
        CREATE TABLE seq_floor (
            device_id TEXT PRIMARY KEY,
            seq INTEGER NOT NULL CHECK (seq >= 0)
        )""")
    db.execute("INSERT INTO seq_floor (device_id, seq) SELECT device_id, max(seq) FROM events GROUP BY device_id")


@migrations()
def m012_pin_roaming(db: Database) -> None:
    """PINs on every team workstation: the ``pin.set`` event whose scrypt verifier a profile's PIN row holds (NULL:
    set here before PINs travelled), so a change or a reset from another workstation is applied by the clock rule
    (docs/evidence.md, "PIN and lock-out everywhere")."""
    db.execute("ALTER TABLE pins ADD COLUMN event_id TEXT")


@migrations()
def m013_competency_aggregates(db: Database) -> None:
    """What the team heat-map, cohort gaps and coaching prep read instead of each learner's events
    (store/aggregates.py): competency evidence counted per learner × task × behaviour, the latest sign-off and
    override per behaviour, the latest decision per routed attempt, per learner × drill the attempts, criteria
    missed and grader flags; and per learner how many events are stored (a trigger, so a row stored by any route is
    counted) and how many the aggregates took — a learner whose counts differ is read from the events and their
    invalid rows are shown. The cohort gaps no longer scan the review rows, so their index goes; the drill
    attempts routed to a manager get a small one (the needs-review queue)."""
    from drillpad.store import aggregates

    for statement in _M013_TABLES.split(";\n"):
        if statement.strip():
            db.execute(statement)
    db.execute(_M013_TRIGGER)
    db.execute("DROP INDEX IF EXISTS review_facts_drills")
    db.execute("CREATE INDEX review_facts_waiting ON review_facts(at, device_id, seq, learner_id, event_id) "
               "WHERE item_kind = 'drill' AND needs_review = 1")
    aggregates.rebuild(db)


_M013_TABLES = """CREATE TABLE competency_tallies (
    learner_id TEXT NOT NULL,
    task TEXT NOT NULL,
    behaviour TEXT NOT NULL,
    evidence TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (learner_id, task, behaviour, evidence)
) WITHOUT ROWID;
CREATE TABLE competency_calls (
    learner_id TEXT NOT NULL,
    behaviour TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('signoff', 'override')),
    at TEXT NOT NULL,
    device_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    level INTEGER NOT NULL,
    by TEXT,
    note TEXT,
    PRIMARY KEY (learner_id, behaviour, kind)
) WITHOUT ROWID;
CREATE TABLE drill_decisions (
    learner_id TEXT NOT NULL,
    attempt_id TEXT NOT NULL,
    at TEXT NOT NULL,
    device_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    passed INTEGER NOT NULL,
    PRIMARY KEY (learner_id, attempt_id)
) WITHOUT ROWID;
CREATE TABLE drill_tallies (
    learner_id TEXT NOT NULL,
    item TEXT NOT NULL,
    key TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (learner_id, item, key)
) WITHOUT ROWID;
CREATE TABLE event_counts (
    learner_id TEXT PRIMARY KEY,
    stored INTEGER NOT NULL DEFAULT 0,
    folded INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID
"""
_M013_TRIGGER = """CREATE TRIGGER events_counted AFTER INSERT ON events WHEN NEW.learner_id IS NOT NULL BEGIN
    INSERT INTO event_counts (learner_id, stored) VALUES (NEW.learner_id, 1)
    ON CONFLICT (learner_id) DO UPDATE SET stored = stored + 1;
END"""


@migrations()
def m014_card_last_review(db: Database) -> None:
    """Each card remembers the ordering key (time stamped, device, sequence) of the last review it replayed, so a
    new review that sorts after it is applied to the stored state instead of replaying the item's whole history
    (store/cards.py). NULL (cards made before): the next refresh replays everything once."""
    db.execute("ALTER TABLE cards ADD COLUMN last_at TEXT")
    db.execute("ALTER TABLE cards ADD COLUMN last_device TEXT")
    db.execute("ALTER TABLE cards ADD COLUMN last_seq INTEGER")


@migrations()
def m015_catchups(db: Database) -> None:
    """Catch-up for a workstation approved after others had sealed bundles (evidence/catchup.py). On the manager's
    PC, one row per approved workstation: the parts written for it, the last events rowid they hold, since when
    (its window) and whether the window has closed. On a workstation, its own row: the parts it has taken."""
    db.execute("""
        CREATE TABLE catchups (
            device_id TEXT PRIMARY KEY,
            part INTEGER NOT NULL CHECK (part >= 0),
            mark INTEGER NOT NULL,
            since TEXT NOT NULL,
            closed INTEGER NOT NULL DEFAULT 0
        )""")


@migrations()
def m016_cards_pending(db: Database) -> None:
    """The cards a sync has still to compute: each peer bundle (or catch-up part) notes the (learner, item) its
    new reviews touch in its own transaction, and the sync computes each noted card once at its end (roaming.py,
    ``refresh_pending_cards``). A note left by a sync that stopped is computed at the next."""
    db.execute("""
        CREATE TABLE cards_pending (
            learner_id TEXT NOT NULL,
            pack_id TEXT NOT NULL,
            item_kind TEXT NOT NULL,
            item_id TEXT NOT NULL,
            PRIMARY KEY (learner_id, pack_id, item_kind, item_id)
        )""")


@migrations()
def m017_parked_events(db: Database) -> None:
    """On the manager's PC, the events of an imported bundle about a learner not introduced here yet (roaming: the
    bundle of the workstation that enrolled them has not arrived): set aside, every other rule checked, and applied
    in the transaction that brings that learner in (evidence/sync.py). The rest of the bundle, and the same
    device's later bundles, are imported meanwhile instead of waiting behind it."""
    db.execute("""
        CREATE TABLE parked_events (
            id TEXT PRIMARY KEY,
            device_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            learner_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            event TEXT NOT NULL CHECK (json_valid(event)),
            bundle_sha256 TEXT NOT NULL,
            parked_at TEXT NOT NULL
        )""")
    db.execute("CREATE INDEX parked_events_learner ON parked_events (learner_id)")
