//! The matter database schema, as an ordered list of migrations.
//!
//! `PRAGMA user_version` records how many have run. Migrations only ever append: a released
//! migration is never edited, so every matter on disk can be brought forward.

use crate::error::{Error, Result};
use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    // 1: items, provenance, errors, audit.
    r#"
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

    CREATE TABLE batch (
        id INTEGER PRIMARY KEY,
        started TEXT NOT NULL,
        finished TEXT,
        custodian TEXT,
        sources TEXT NOT NULL,
        status TEXT NOT NULL,
        files_seen INTEGER NOT NULL DEFAULT 0,
        items_added INTEGER NOT NULL DEFAULT 0,
        duplicates INTEGER NOT NULL DEFAULT 0,
        errors INTEGER NOT NULL DEFAULT 0
    );

    -- One row per distinct document. Family roots (loose files, archive entries, messages)
    -- are deduplicated by sha256 or email dedupe key; attachments belong to their family.
    CREATE TABLE item (
        id INTEGER PRIMARY KEY,
        control TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        mime TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        parent_id INTEGER REFERENCES item(id),
        family_id INTEGER NOT NULL,
        container_id INTEGER REFERENCES item(id),
        name TEXT NOT NULL,
        title TEXT,
        author TEXT,
        to_json TEXT NOT NULL DEFAULT '[]',
        cc_json TEXT NOT NULL DEFAULT '[]',
        bcc_json TEXT NOT NULL DEFAULT '[]',
        date TEXT,
        modified TEXT,
        message_id TEXT,
        in_reply_to TEXT,
        refs_json TEXT NOT NULL DEFAULT '[]',
        extra_json TEXT NOT NULL DEFAULT '{}',
        page_count INTEGER,
        extractor TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('ok', 'no_text', 'error')),
        status_reason TEXT,
        dedupe_key TEXT,
        batch_id INTEGER NOT NULL REFERENCES batch(id),
        indexed INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX item_sha_root ON item(sha256) WHERE parent_id IS NULL;
    CREATE INDEX item_dedupe ON item(dedupe_key) WHERE dedupe_key IS NOT NULL;
    CREATE INDEX item_family ON item(family_id);
    CREATE INDEX item_unindexed ON item(indexed) WHERE indexed = 0;

    CREATE TABLE item_text (
        item_id INTEGER PRIMARY KEY REFERENCES item(id),
        text TEXT NOT NULL,
        pages_json TEXT NOT NULL DEFAULT '[]',
        layout_json TEXT
    );

    -- Every place a family root was found: deduplication never loses provenance.
    CREATE TABLE item_location (
        id INTEGER PRIMARY KEY,
        item_id INTEGER NOT NULL REFERENCES item(id),
        custodian TEXT NOT NULL,
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        batch_id INTEGER NOT NULL REFERENCES batch(id),
        UNIQUE (item_id, custodian, path)
    );
    CREATE INDEX location_custodian ON item_location(custodian);

    -- Source files fully ingested for a custodian: the resume marker, written in the same
    -- transaction as the file's items.
    CREATE TABLE source_file (
        custodian TEXT NOT NULL,
        path TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        sha256 TEXT,
        batch_id INTEGER NOT NULL,
        PRIMARY KEY (custodian, path)
    );

    CREATE TABLE ingest_error (
        id INTEGER PRIMARY KEY,
        batch_id INTEGER NOT NULL REFERENCES batch(id),
        item_id INTEGER REFERENCES item(id),
        path TEXT NOT NULL,
        stage TEXT NOT NULL,
        code TEXT NOT NULL,
        reason TEXT NOT NULL
    );

    CREATE TABLE tag (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE, builtin INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE item_tag (
        item_id INTEGER NOT NULL REFERENCES item(id),
        tag_id INTEGER NOT NULL REFERENCES tag(id),
        actor TEXT NOT NULL,
        time TEXT NOT NULL,
        PRIMARY KEY (item_id, tag_id)
    );
    CREATE TABLE production (id INTEGER PRIMARY KEY, prefix TEXT NOT NULL, created TEXT NOT NULL, status TEXT NOT NULL);

    -- Append-only, hash-chained: hash = sha256(prev_hash || canonical entry).
    CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        time TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        payload TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    "#,
    // 2: review state: notes, saved searches, the default tag set.
    r#"
    CREATE TABLE note (
        id INTEGER PRIMARY KEY,
        item_id INTEGER NOT NULL REFERENCES item(id),
        actor TEXT NOT NULL,
        time TEXT NOT NULL,
        text TEXT NOT NULL
    );
    CREATE INDEX note_item ON note(item_id);
    CREATE TABLE saved_search (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        query TEXT NOT NULL,
        actor TEXT NOT NULL,
        created TEXT NOT NULL
    );
    CREATE INDEX item_tag_tag ON item_tag(tag_id);
    INSERT OR IGNORE INTO tag (name, builtin) VALUES
        ('Responsive', 1), ('Not responsive', 1), ('Privileged – attorney-client', 1),
        ('Privileged – work product', 1), ('Hot', 1), ('Confidential', 1), ('Trade secret', 1),
        ('Needs redaction', 1), ('Reviewed', 1);
    "#,
    // 3: redactions: spans of extracted text (char offsets) with a reason, a source and a
    // treatment; the rules that made them; the reason codes.
    r#"
    CREATE TABLE redaction_reason (code TEXT PRIMARY KEY, label TEXT NOT NULL, builtin INTEGER NOT NULL DEFAULT 0);
    INSERT INTO redaction_reason (code, label, builtin) VALUES
        ('AC', 'Privileged – attorney-client', 1), ('WP', 'Privileged – work product', 1),
        ('PII', 'Personal data', 1), ('SECRET', 'Credentials and keys', 1),
        ('TS', 'Trade secret', 1), ('3P', 'Third-party confidential', 1);
    CREATE TABLE redaction_rule (
        id INTEGER PRIMARY KEY,
        spec TEXT NOT NULL,
        reason TEXT NOT NULL,
        treatment TEXT NOT NULL,
        scope TEXT,
        actor TEXT NOT NULL,
        time TEXT NOT NULL,
        matches INTEGER NOT NULL,
        items INTEGER NOT NULL
    );
    CREATE TABLE redaction (
        id INTEGER PRIMARY KEY,
        item_id INTEGER NOT NULL REFERENCES item(id),
        start INTEGER NOT NULL,
        end INTEGER NOT NULL CHECK (end > start),
        reason TEXT NOT NULL REFERENCES redaction_reason(code),
        source TEXT NOT NULL,
        treatment TEXT NOT NULL CHECK (treatment IN ('redact', 'pseudonymize')),
        actor TEXT NOT NULL,
        time TEXT NOT NULL
    );
    CREATE INDEX redaction_item ON redaction(item_id);
    CREATE INDEX redaction_source ON redaction(source);
    "#,
    // 4: model calls: the structured fields of each `model_call` item and its record as logged.
    r#"
    CREATE TABLE model_call (
        item_id INTEGER PRIMARY KEY REFERENCES item(id),
        log_id INTEGER NOT NULL REFERENCES item(id),
        line INTEGER,
        ts TEXT,
        account TEXT,
        api_key_id TEXT,
        user TEXT,
        ip TEXT,
        model TEXT,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        call_json TEXT NOT NULL
    );
    CREATE INDEX model_call_account ON model_call(account);
    "#,
    // 5: region redactions: a rectangle drawn on a PDF page, blacked out whole even where it
    // holds no text (images, signatures). Stored in PDF user space points (origin bottom-left,
    // y up, before /Rotate), like the layout's word boxes; the text under it is redacted as
    // ordinary spans whose source is `region:N`.
    r#"
    CREATE TABLE redaction_region (
        id INTEGER PRIMARY KEY,
        item_id INTEGER NOT NULL REFERENCES item(id),
        page INTEGER NOT NULL CHECK (page >= 1),
        x0 REAL NOT NULL,
        y0 REAL NOT NULL,
        x1 REAL NOT NULL,
        y1 REAL NOT NULL,
        reason TEXT NOT NULL REFERENCES redaction_reason(code),
        source TEXT NOT NULL,
        treatment TEXT NOT NULL CHECK (treatment IN ('redact', 'pseudonymize')),
        actor TEXT NOT NULL,
        time TEXT NOT NULL,
        CHECK (x1 > x0 AND y1 > y0)
    );
    CREATE INDEX redaction_region_item ON redaction_region(item_id);
    CREATE INDEX redaction_region_source ON redaction_region(source);
    "#,
    // 6: lookups that scanned every item. `is:error` and `is:notext`: few items are not 'ok',
    // so the index holds only those (queries repeat its `status <> 'ok'` term to use it). An
    // item's children (opening any document lists them): only attachments have a parent.
    r#"
    CREATE INDEX IF NOT EXISTS item_not_ok ON item(status) WHERE status <> 'ok';
    CREATE INDEX IF NOT EXISTS item_parent ON item(parent_id) WHERE parent_id IS NOT NULL;
    "#,
    // 7: items stored already flagged `indexed`, ahead of the index commit that will hold
    // them (a model-log import's calls: setting each flag afterwards rewrote every row). Until
    // that commit their id range is listed here, and they count as not indexed.
    r#"
    CREATE TABLE IF NOT EXISTS index_pending (lo INTEGER NOT NULL, hi INTEGER NOT NULL);
    "#,
    // 8: email duplicate keys over every recipient (extract::email_key). `near_dup` groups
    // copies of one message that differ in recipients or attachments. Items stored before get
    // both from their stored values when the matter is next opened (the mark below asks for
    // it: `email_upgrade::upgrade_matter`).
    r#"
    ALTER TABLE item ADD COLUMN near_dup TEXT;
    CREATE INDEX IF NOT EXISTS item_near_dup ON item(near_dup) WHERE near_dup IS NOT NULL;
    INSERT OR REPLACE INTO meta (key, value) VALUES ('email_keys_pending', '1');
    "#,
    // 9: names carried losslessly. The exact bytes of a name or path wherever they
    // are not the UTF-8 text shown (a non-UTF-8 file name, shown as `caf\xE9.txt`; a CP437 zip
    // member name, shown decoded); NULL otherwise.
    r#"
    ALTER TABLE item ADD COLUMN name_raw BLOB;
    ALTER TABLE item_location ADD COLUMN path_raw BLOB;
    ALTER TABLE source_file ADD COLUMN path_raw BLOB;
    ALTER TABLE ingest_error ADD COLUMN path_raw BLOB;
    "#,
    // 10: each audit entry's HMAC-SHA256 under the matter's key, which is kept outside
    // the matter folder (see `store::audit`); NULL for entries written before, or where the
    // key was not available. The matter's id names that key (and the head's copy beside it).
    r#"
    ALTER TABLE audit ADD COLUMN mac TEXT;
    INSERT OR IGNORE INTO meta (key, value) VALUES ('matter_id', lower(hex(randomblob(16))));
    "#,
    // 11: productions (`produce`): each run with its settings, Bates range, counts and the
    // gate's result; the documents it carried with their Bates ranges; and, for the gate, every
    // box it burned (pixels of the page image, so `verify --production` can check them again).
    r#"
    ALTER TABLE production ADD COLUMN name TEXT;
    ALTER TABLE production ADD COLUMN out TEXT;
    ALTER TABLE production ADD COLUMN settings_json TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE production ADD COLUMN first_number INTEGER;
    ALTER TABLE production ADD COLUMN last_number INTEGER;
    ALTER TABLE production ADD COLUMN digits INTEGER;
    ALTER TABLE production ADD COLUMN documents INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE production ADD COLUMN pages INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE production ADD COLUMN finished TEXT;
    ALTER TABLE production ADD COLUMN report_json TEXT;
    CREATE TABLE production_doc (
        production_id INTEGER NOT NULL REFERENCES production(id),
        item_id INTEGER NOT NULL REFERENCES item(id),
        first_number INTEGER NOT NULL,
        last_number INTEGER NOT NULL,
        treatment TEXT NOT NULL,
        PRIMARY KEY (production_id, item_id)
    );
    CREATE INDEX production_doc_item ON production_doc(item_id);
    CREATE TABLE production_box (
        production_id INTEGER NOT NULL REFERENCES production(id),
        number INTEGER NOT NULL,
        x0 INTEGER NOT NULL, y0 INTEGER NOT NULL, x1 INTEGER NOT NULL, y1 INTEGER NOT NULL,
        label TEXT NOT NULL
    );
    CREATE INDEX production_box_page ON production_box(production_id, number);
    "#,
    // 12: redaction rules scoped by field, with an allow-list (`redact::scope`): `fields` a
    // JSON list (body, headers, attachments, metadata), `allow` JSON ({domains, values}).
    // Rules stored before keep `fields` NULL, read as every field: they do what they did.
    r#"
    ALTER TABLE redaction_rule ADD COLUMN fields TEXT;
    ALTER TABLE redaction_rule ADD COLUMN allow TEXT;
    "#,
    // 13: the items a rule hid something in when it ran, in any field (`redaction_rule_item`),
    // and the last item id the run saw (`last_item`): the exposure report counts an item whose
    // only match is in a name, a header value or a property — hidden by the redacted view, no
    // span stored — as needing redaction, and checks items added since the run itself. Rules
    // stored before keep `last_item` NULL: all their items are checked.
    r#"
    CREATE TABLE redaction_rule_item (
        rule_id INTEGER NOT NULL REFERENCES redaction_rule(id),
        item_id INTEGER NOT NULL,
        PRIMARY KEY (rule_id, item_id)
    ) WITHOUT ROWID;
    ALTER TABLE redaction_rule ADD COLUMN last_item INTEGER;
    "#,
];

/// The schema version this build writes.
pub const VERSION: i64 = MIGRATIONS.len() as i64;

/// The index of family roots by SHA-256 (deduplication). A large model-log import drops it
/// and builds it again at its end (`calls`), so opening a matter re-creates it if an import
/// was interrupted in between.
pub const SHA_ROOT_INDEX: &str = "CREATE INDEX IF NOT EXISTS item_sha_root ON item(sha256) WHERE parent_id IS NULL";

/// Brings the database up to [`VERSION`], one transaction per migration.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > VERSION {
        return Err(Error::SchemaTooNew { found: current, known: VERSION });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    conn.execute_batch(SHA_ROOT_INDEX)?;
    super::email_upgrade::upgrade_matter(conn)?;
    Ok(())
}
