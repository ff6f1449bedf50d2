// The SQLite answers to what lifecycle verbs and scoring read beyond the EventStore's own queries.
// Synchronous, indexed: a 1,000-operation batch must not scan.
import type { CountGroup } from '../domain/lifecycle-view';

const COUNT_GROUP = `SELECT $g AS g, COALESCE(json_extract(e.fields, ?), '(none)') AS k, COUNT(*) AS n
  FROM refs r JOIN entities e ON e.id = r.source_id
  WHERE r.target_id = ? AND r.field = ? AND r.source_type = ?
    AND (? IS NULL OR COALESCE(json_extract(e.fields, ?), '') != ?) GROUP BY k`;

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

  // One statement for every group (UNION ALL of one grouped count each): a rescore reads its counts at once.
  countReferencing(targetId: string, field: string, groups: readonly CountGroup[]): Record<string, number>[] {
    if (groups.length === 0) return [];
    const query = unionOf(groups.length);
    const params = groups.flatMap(({ sourceType, groupBy, unless }) => [
      `$.${groupBy}`,
      targetId,
      field,
      sourceType,
      unless?.field ?? null,
      `$.${unless?.field ?? ''}`,
      unless?.value ?? '',
    ]);
    const counts = groups.map((): Record<string, number> => ({}));
    for (const row of this.sql.exec(query, ...params)) counts[Number(row['g'])]![String(row['k'])] = Number(row['n']);
    return counts;
  }
}

const unions: string[] = [];
function unionOf(groups: number): string {
  return (unions[groups] ??= Array.from({ length: groups }, (_, g) => COUNT_GROUP.replace('$g', String(g))).join(
    ' UNION ALL ',
  ));
}
