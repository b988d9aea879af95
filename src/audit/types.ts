// Plain, JSON-serialisable shapes of the index audit (`pg-index-advisor audit`): what it found
// about the indexes that already exist, with the evidence and the migration for each finding.

export type AuditFindingKind = 'unused' | 'duplicate' | 'redundant' | 'invalid' | 'bloated' | 'missing-fk-index';

export type AuditAction = 'drop' | 'reindex' | 'drop-and-recreate' | 'create' | 'keep';

export interface AuditFinding {
  kind: AuditFindingKind;
  schema: string;
  table: string;
  /** The index the finding is about (absent for missing-fk-index: the index to create is in upSql). */
  index?: string;
  /** What to do. 'keep': reported for information, no SQL (e.g. a duplicate of which both copies back constraints). */
  action: AuditAction;
  /** One sentence: what is wrong and what to do. */
  summary: string;
  /** The facts behind the finding (scans, size, stats age, the index that makes it redundant...). */
  evidence: Record<string, string | number | boolean | null>;
  /** Size of the index now, in bytes. */
  bytes?: number;
  /** Bytes the action would give back. */
  reclaimableBytes?: number;
  /**
   * Statements of the up migration, each a complete statement ending with `;`, or a comment line
   * starting with `--`. Without the session settings (lock_timeout...), which the migration adds once.
   */
  upSql: string[];
  /** Statements that undo upSql (same form), in the order to run them. */
  downSql: string[];
}

export interface AuditHost {
  /** Redacted URL. */
  target: string;
  role: 'primary' | 'replica';
  /** Did the host answer? (false: its scans are missing and unused findings are withheld) */
  ok: boolean;
  serverVersion?: number;
  inRecovery?: boolean;
  /** Start of the statistics window this host counts scans over (ISO 8601), and where that came from. */
  statsSince?: string | null;
  statsSinceSource?: 'stats_reset' | 'postmaster_start';
  statsAgeSeconds?: number | null;
  error?: string;
}

export interface AuditResult {
  generatedAt: string;
  /** Connection URLs with passwords redacted; the first one is the primary (catalog and DDL target). */
  targets: string[];
  serverVersion: number;
  /**
   * Age of the scan statistics in seconds: the youngest over all hosts that answered (an index is
   * unused only if it went unused on every host for at least this long). null when unknown.
   */
  statsAgeSeconds: number | null;
  findings: AuditFinding[];
  /** Indexes that a finding would have dropped but that must stay, with why (`schema.index`). */
  kept: Array<{ index: string; reason: string }>;
  warnings: string[];
  /** Per-host details (stats window, errors). */
  hosts?: AuditHost[];
  /** The thresholds the audit used. */
  settings?: {
    minStatsAgeDays: number;
    maxScans: number;
    bloatRatio: number;
    bloatMinBytes: number;
    /** Where bloat figures came from: pgstattuple's pgstatindex() when installed and permitted, else the statistics estimate. */
    bloatSource: 'pgstatindex' | 'estimate' | 'mixed' | 'none';
  };
}
