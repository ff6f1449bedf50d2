export declare const NOUN_MANIFEST: readonly {
  readonly name: string;
  readonly collection: string;
  readonly verbs: Readonly<Record<string, string>>;
}[];
