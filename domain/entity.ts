// The folded current state of one entity: what evolve produces and the entities table stores.

export interface Entity {
  readonly id: string;
  readonly type: string;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly fields: Readonly<Record<string, unknown>>;
  /** Set when deleted: the entity is a tombstone (GET → 410). */
  readonly deletedAt?: string;
  /** Set when merged into another entity: a tombstone aliasing it (GET → 308). */
  readonly mergedInto?: string;
}

/** The `$`-metadata representation a client reads. */
export type Representation = Record<string, unknown> & {
  $id: string;
  $type: string;
  $version: number;
  $createdAt: string;
  $updatedAt: string;
};

export function represent(entity: Entity): Representation {
  return {
    $id: entity.id,
    $type: entity.type,
    $version: entity.version,
    $createdAt: entity.createdAt,
    $updatedAt: entity.updatedAt,
    ...entity.fields,
  };
}

export function isLive(entity: Entity | undefined): entity is Entity {
  return entity !== undefined && entity.deletedAt === undefined && entity.mergedInto === undefined;
}
