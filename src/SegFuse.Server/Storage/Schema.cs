namespace SegFuse.Server.Storage;

/// <summary>
/// The database schema as a list of migrations: migration k (1-based) takes the schema from version k-1 to k.
/// Never edit a released migration; add a new one.
/// </summary>
internal static class Schema
{
    public static readonly string[] Migrations =
    [
        // 1: competitions, teams, submissions, versioned scores.
        """
        CREATE TABLE schema_version (
            version    INTEGER NOT NULL PRIMARY KEY,
            applied_at TEXT NOT NULL
        );

        CREATE TABLE competitions (
            id               INTEGER PRIMARY KEY,
            name             TEXT NOT NULL UNIQUE,
            label_set        TEXT NOT NULL,
            label_set_json   TEXT NOT NULL,
            width            INTEGER NOT NULL,
            height           INTEGER NOT NULL,
            has_instances    INTEGER NOT NULL,
            video_frames     INTEGER NOT NULL,
            public_fraction  REAL NOT NULL,
            deadline         TEXT NULL,
            daily_limit      INTEGER NOT NULL,
            max_upload_bytes INTEGER NOT NULL,
            gt_hash          TEXT NOT NULL,
            created_at       TEXT NOT NULL
        );

        CREATE TABLE competition_frames (
            competition_id INTEGER NOT NULL REFERENCES competitions (id),
            frame_index    INTEGER NOT NULL,
            frame_key      TEXT NOT NULL,
            public         INTEGER NOT NULL,
            PRIMARY KEY (competition_id, frame_index)
        );

        CREATE TABLE teams (
            id             INTEGER PRIMARY KEY,
            competition_id INTEGER NOT NULL REFERENCES competitions (id),
            name           TEXT NOT NULL,
            token_hash     TEXT NOT NULL UNIQUE,
            created_at     TEXT NOT NULL,
            UNIQUE (competition_id, name)
        );

        CREATE TABLE submissions (
            id             INTEGER PRIMARY KEY,
            competition_id INTEGER NOT NULL REFERENCES competitions (id),
            team_id        INTEGER NOT NULL REFERENCES teams (id),
            created_at     TEXT NOT NULL,
            day            TEXT NOT NULL,
            kind           TEXT NOT NULL,
            file_name      TEXT NULL,
            original_name  TEXT NULL,
            source_url     TEXT NULL,
            encoding       TEXT NOT NULL,
            size_bytes     INTEGER NOT NULL DEFAULT 0,
            status         TEXT NOT NULL,
            stage          TEXT NULL,
            progress_done  INTEGER NOT NULL DEFAULT 0,
            progress_total INTEGER NOT NULL DEFAULT 0,
            error          TEXT NULL,
            error_kind     TEXT NULL,
            counts         INTEGER NOT NULL DEFAULT 1,
            attempts       INTEGER NOT NULL DEFAULT 0,
            lease          TEXT NULL,
            started_at     TEXT NULL,
            finished_at    TEXT NULL,
            selected       INTEGER NOT NULL DEFAULT 0
        );

        CREATE INDEX submissions_queue ON submissions (status, id);
        CREATE INDEX submissions_team_day ON submissions (team_id, day);

        CREATE TABLE scores (
            submission_id  INTEGER NOT NULL REFERENCES submissions (id),
            scorer_version TEXT NOT NULL,
            gt_hash        TEXT NOT NULL,
            public_score   REAL NULL,
            private_score  REAL NULL,
            all_score      REAL NULL,
            public_json    TEXT NOT NULL,
            private_json   TEXT NULL,
            all_json       TEXT NOT NULL,
            scored_at      TEXT NOT NULL,
            PRIMARY KEY (submission_id, scorer_version, gt_hash)
        );
        """,
    ];

    public static int CurrentVersion => Migrations.Length;
}
