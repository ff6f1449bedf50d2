// Commands: what a client asks for, imperative. Ids are minted by the shell; time and actor travel
// beside the command (the shell's TxMeta), so decide stays pure.

export type Command =
  | {
      readonly kind: 'create';
      readonly noun: string;
      readonly id: string;
      readonly data: Readonly<Record<string, unknown>>;
    }
  | {
      readonly kind: 'update';
      readonly noun: string;
      readonly id: string;
      readonly data: Readonly<Record<string, unknown>>;
      readonly ifMatch?: number;
      /** Metadata and computed values sent back unchanged from a representation (checked, not written). */
      readonly echoed?: Readonly<Record<string, unknown>>;
    }
  | { readonly kind: 'delete'; readonly noun: string; readonly id: string; readonly ifMatch?: number };
