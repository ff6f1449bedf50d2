// The SQLite answers to what lifecycle verbs and scoring read beyond the EventStore's own queries.
// Synchronous, indexed: a 1,000-operation batch must not scan.

export class LifecycleQueries {
  constructor(private readonly sql: SqlStorage) {}

  findMergedByEmail(normalized: string): string | undefined {
    const row = this.sql
      .exec(
        "SELECT id FROM entities WHERE lower(json_extract(fields, '$.email')) = ? " +
          "AND merged_into IS NOT NULL AND type = 'Contact' ORDER BY id LIMIT 1",
        normalized,
      )
      .toArray()[0];
    return row ? String(row['id']) : undefined;
  }

  countReferencing(
    targetId: string,
    field: string,
    sourceType: string,
    groupBy: string,
    unless?: { field: string; value: string },
  ): Record<string, number> {
    const rows = this.sql
      .exec(
        `SELECT COALESCE(json_extract(e.fields, ?), '(none)') AS k, COUNT(*) AS n
         FROM refs r JOIN entities e ON e.id = r.source_id
         WHERE r.target_id = ? AND r.field = ? AND r.source_type = ?
           AND (? IS NULL OR COALESCE(json_extract(e.fields, ?), '') != ?) GROUP BY k`,
        `$.${groupBy}`,
        targetId,
        field,
        sourceType,
        unless?.field ?? null,
        `$.${unless?.field ?? ''}`,
        unless?.value ?? '',
      )
      .toArray();
    return Object.fromEntries(rows.map((r) => [String(r['k']), Number(r['n'])]));
  }
}
